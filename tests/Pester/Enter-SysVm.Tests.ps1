#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# Enter-SysVm as a user sees it: its parameters and refusals (a stopped VM, several VMs, no ssh on PATH), and against
# the test world: a shell under a pseudo-terminal (util-linux `script`) that runs what is typed on the VM, returns
# its exit code as $LASTEXITCODE and passes Ctrl+C to the remote side; an unknown VM; an unknown host key.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
    $terminalSkipReason = if ($IsWindows) { 'the pseudo-terminal test needs util-linux script (not on Windows)' }
    elseif (-not (Get-Command script -CommandType Application -ErrorAction SilentlyContinue)) { 'util-linux script is not on PATH' }
    elseif (-not (Get-Command ssh -CommandType Application -ErrorAction SilentlyContinue)) { 'the OpenSSH client ssh is not on PATH' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $command = Get-Command Enter-SysVm -Module SysVmPatch
    Disconnect-All

    function Invoke-ShellUnderTerminal {
        <#
        Runs Enter-SysVm on the VM in a fresh pwsh under `script` (a pseudo-terminal, as an operator's console), types
        each of $Keys (printf %b escapes) once the remote prompt has appeared, 3 seconds apart, and returns the
        terminal's text (script's typescript) and $LASTEXITCODE in that pwsh after Enter-SysVm returned.
        #>
        param([string] $VmName, [string[]] $Keys)
        $lab = Get-LabState
        $id = [guid]::NewGuid().ToString('n')
        $child = Join-Path $TestDrive "enter-$id.ps1"
        $typescript = Join-Path $TestDrive "terminal-$id.txt"
        $ended = Join-Path $TestDrive "ended-$id"
        Set-Content -LiteralPath $child -Value @"
. '$PSScriptRoot/common.ps1'
Connect-Lab -Name lab | Out-Null
`$code = 'no exit code'
try {
    Enter-SysVm '$VmName' -KeyFile '$($lab.KeyFile)' -KnownHostsFile '$($lab.KnownHostsFile)' -HistoryPath '$TestDrive/enter-history.jsonl'
    `$code = `$LASTEXITCODE
}
finally { Set-Content -LiteralPath '$ended' -Value `$code }
"@
        $typed = foreach ($k in $Keys) { "  printf '%b' '$($k.Replace("'", "'\''"))'; sleep 3" }
        $pwsh = (@(Get-PwshCommand) + @('-NoProfile', '-File', $child)) -join ' '
        # The keyboard: waits for the VM's prompt in the typescript (a slow machine takes its time to get there), types,
        # and keeps stdin open until the pwsh under script wrote $LASTEXITCODE (script itself ends only at end of input).
        $driver = Join-Path $TestDrive "drive-$id.sh"
        Set-Content -LiteralPath $driver -Value @"
keys() {
  for i in `$(seq 360); do grep -q 'root@' '$typescript' 2>/dev/null && break; sleep 0.5; done
  sleep 1
$($typed -join "`n")
  for i in `$(seq 600); do [ -e '$ended' ] && break; sleep 0.5; done
}
script -qefc '$pwsh' '$typescript' < <(keys)
"@
        & bash $driver | Out-Null
        [pscustomobject]@{ Text = (Get-Content -Raw -LiteralPath $typescript); ExitCode = (Get-Content -LiteralPath $ended) }
    }
}

AfterAll {
    Disconnect-All
}

Describe 'Enter-SysVm parameters' {
    It 'takes a VM name at position 0 or one VM from the pipeline' {
        $name = $command.Parameters['Name'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $name.Position | Should -Be 0
        $vm = $command.Parameters['Vm']
        $vm.ParameterType | Should -Be ([SysVmPatch.Engine.Inventory.SystemVm])
        ($vm.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipeline | Should -BeTrue
        Assert-CommandHasParameter -Command $command -Name KeyFile, KnownHostsFile, JumpHost, JumpKeyFile, ConnectTimeoutSec, Server, HistoryPath
    }

    It 'documents every parameter in its help page' {
        Assert-HelpDocumentsEveryParameter -Command $command
    }
}

Describe 'Enter-SysVm refusals without a test world' {
    It 'refuses a stopped VM with VmNotRunning' {
        $err = Get-TerminatingError { New-TestVm -Name 'r-1-VM' -State Stopped | Enter-SysVm -HistoryPath (Join-Path $TestDrive 'h.jsonl') }
        $err.FullyQualifiedErrorId | Should -BeLike 'VmNotRunning,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        "$err" | Should -Match 'r-1-VM is Stopped, not Running'
    }

    It 'refuses more than one VM with OneVmExpected' {
        $err = Get-TerminatingError { @((New-TestVm -Name 'r-1-VM'), (New-TestVm -Name 'r-2-VM')) | Enter-SysVm }
        $err.FullyQualifiedErrorId | Should -BeLike 'OneVmExpected,*'
        "$err" | Should -Match 'r-1-VM, r-2-VM'
    }

    It 'says clearly when no ssh client is on PATH' {
        $vm = [SysVmPatch.Engine.Inventory.SystemVm]@{
            Id = 'x'; Name = 'r-3-VM'; Type = 'Router'; State = 'Running'; Hypervisor = 'KVM'; Server = 'offline'
            HostAddress = '192.0.2.1'; LinkLocalIp = '169.254.1.1'
        }
        $saved = $env:PATH
        try {
            $env:PATH = $TestDrive
            $err = Get-TerminatingError { $vm | Enter-SysVm -HistoryPath (Join-Path $TestDrive 'h.jsonl') }
        }
        finally { $env:PATH = $saved }
        $err.FullyQualifiedErrorId | Should -BeLike 'SshClientMissing,*'
        "$err" | Should -Match 'No OpenSSH client'
    }

    It 'refuses -KeyPassphrase, which the OpenSSH client cannot take' {
        $secure = ConvertTo-SecureString 'x' -AsPlainText -Force
        $err = Get-TerminatingError { New-TestVm -Name 'r-1-VM' | Enter-SysVm -KeyPassphrase $secure }
        $err.FullyQualifiedErrorId | Should -BeLike 'KeyPassphraseNotSupported,*'
    }
}

Describe "Enter-SysVm against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        Connect-Lab -Name lab | Out-Null
        $lab = Get-LabState
        $vm = Get-SystemVm -State Running | Select-Object -First 1
    }

    It 'refuses a VM name the cloud does not know with VmNotFound' {
        $err = Get-TerminatingError { Enter-SysVm 'r-404-VM' -KeyFile $lab.KeyFile -KnownHostsFile $lab.KnownHostsFile }
        $err.FullyQualifiedErrorId | Should -BeLike 'VmNotFound,*'
        "$err" | Should -Match 'r-404-VM'
    }

    It 'refuses a host key known_hosts does not hold with VmHostKeyRefused, and records the attempt' {
        $empty = Join-Path $TestDrive 'empty_known_hosts'
        Set-Content -LiteralPath $empty -Value '' -NoNewline
        $history = Join-Path $TestDrive 'refused-history.jsonl'
        $err = Get-TerminatingError { Enter-SysVm $vm.Name -KeyFile $lab.KeyFile -KnownHostsFile $empty -ConnectTimeoutSec 10 -HistoryPath $history }
        $err.FullyQualifiedErrorId | Should -BeLike 'VmHostKeyRefused,*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $record = Get-PatchHistory -Path $history
        $record.Operation | Should -Be 'Shell'
        $record.Status | Should -Be 'Failed'
    }

    It 'runs what is typed on the VM under a terminal and exits with the remote shell''s exit code' -Skip:($null -ne $terminalSkipReason) {
        $run = Invoke-ShellUnderTerminal -VmName $vm.Name -Keys @('echo "H=$(hostname)=H"; exit 3\n')
        # The typed line is echoed with $(hostname) unexpanded: only the VM's shell writes the expanded name.
        $run.Text | Should -Match ([regex]::Escape("H=$($vm.Name)=H"))
        $run.ExitCode | Should -Be 3
        $record = Get-PatchHistory -Path (Join-Path $TestDrive 'enter-history.jsonl') -Last 1
        $record.Operation | Should -Be 'Shell'
        $record.Steps | Should -Contain 'exit code 3'
    }

    It 'passes Ctrl+C to the remote side: it interrupts the remote command, not the local shell' -Skip:($null -ne $terminalSkipReason) {
        # Interrupted, the sleep fails and && skips the echo; not interrupted, "finished-2" comes after 120 s.
        $run = Invoke-ShellUnderTerminal -VmName $vm.Name -Keys @('sleep 120 && echo finished-$((1+1))\n', '\003', 'echo "after=$((20+22))"; exit 4\n')
        $run.Text | Should -Match 'after=42'
        $run.Text | Should -Not -Match 'finished-2'
        $run.ExitCode | Should -Be 4
    }
}
