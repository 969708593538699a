#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# Text from outside never acts on the operator's console. A management server that answers with escape sequences and
# control characters (the test world's fake server, started alone with `SysVmPatch.TestWorld hostile-api`: a router
# whose name changes the window title, colours and clears the screen, rings the bell, breaks the line and reverses the
# text; a template version that does the same; a reboot job failing with such an error text), and a VM of the test
# world whose release file, last outcome and attention mark carry them, are run through the cmdlets as a user would;
# every stream the console shows is checked: the formatted output (default views, rendered with ANSI on), errors,
# warnings, verbose lines, progress records and what -WhatIf prints. Each check also asserts that the VM's text did
# arrive (its printable part), so a run that showed nothing cannot pass.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Disconnect-All

    function Get-ConsoleHazard {
        <#
        The characters of $Text a terminal would act on or that hide text: C0 and C1 controls other than tab and line
        breaks, DEL, and the bidi overrides and isolates; shown as \xNN. PowerShell's own colour reset (ESC [0m), which
        it writes after table headers when output is rendered with ANSI, is removed first.
        #>
        param([AllowEmptyString()] [AllowNull()] [string] $Text)
        if (-not $Text) { return @() }
        $own = [string][char]27 + '[0m'
        $hazards = [regex]::Matches($Text.Replace($own, ''), '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]')
        @($hazards | ForEach-Object { '\x{0:x2}' -f [int][char]$_.Value } | Select-Object -Unique)
    }

    function Invoke-Captured {
        <#
        Runs $Script in a fresh runspace connected to $State's management server (as 'target'), with every stream on
        and output formatted by the module's views with ANSI rendering (so PowerShell strips nothing), and returns
        what each stream carried as text. $Vm (optional) is passed in as $vm; $Ssh as $ssh (a hashtable to splat).
        #>
        param([Parameter(Mandatory)] $State, [Parameter(Mandatory)] [string] $Script, $Vm, [hashtable] $Ssh = @{})
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $runspace.SessionStateProxy.SetVariable('state', $State)
            $runspace.SessionStateProxy.SetVariable('vm', $Vm)
            $runspace.SessionStateProxy.SetVariable('ssh', $Ssh)
            $runspace.SessionStateProxy.SetVariable('historyPath', (Join-Path $TestDrive 'console-safety.jsonl'))
            $null = $ps.AddScript(@"
Import-Module '$ManifestPath'
if (Get-Variable PSStyle -ErrorAction SilentlyContinue) {
    # ANSI on, so PowerShell strips nothing; its own header and accent colours off, so what is left came from outside.
    `$PSStyle.OutputRendering = 'Ansi'
    foreach (`$style in 'TableHeader', 'CustomTableHeaderLabel', 'FormatAccent', 'ErrorAccent', 'Error', 'Warning', 'Verbose', 'Debug') { `$PSStyle.Formatting.`$style = '' }
}
`$ProgressPreference = 'Continue'; `$VerbosePreference = 'Continue'; `$WarningPreference = 'Continue'; `$ErrorActionPreference = 'Continue'
`$secret = ConvertTo-SecureString ([string]`$state.SecretKey) -AsPlainText -Force
Connect-SysVmCloud -Url `$state.Endpoint -ApiKey `$state.ApiKey -SecretKey `$secret -Name target -SkipCertificateCheck:([bool]`$state.SkipCertificateCheck) -ErrorAction Stop | Out-Null
& { $Script } | Out-String -Width 400
"@)
            $output = ($ps.Invoke() -join '')
            $progress = @($ps.Streams.Progress | ForEach-Object { $_.Activity; $_.StatusDescription; $_.CurrentOperation })
            [pscustomobject]@{
                Output   = $output
                Errors   = @($ps.Streams.Error | ForEach-Object { $_.ToString() })
                Warnings = @($ps.Streams.Warning | ForEach-Object { $_.Message })
                Verbose  = @($ps.Streams.Verbose | ForEach-Object { $_.Message })
                Progress = $progress
                ProgressCount = $ps.Streams.Progress.Count
                All      = (@($output) + @($ps.Streams.Error | ForEach-Object { $_.ToString() }) + @($ps.Streams.Warning | ForEach-Object { $_.Message }) +
                    @($ps.Streams.Verbose | ForEach-Object { $_.Message }) + $progress) -join "`n"
            }
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }

    function Assert-ConsoleSafe {
        # Every stream checked, and every one that leaked named, so one failure shows all of them.
        param([Parameter(Mandatory)] $Captured)
        $leaks = foreach ($stream in 'Output', 'Errors', 'Warnings', 'Verbose', 'Progress') {
            $found = Get-ConsoleHazard -Text (@($Captured.$stream) -join "`n")
            if ($found) { "$stream carries $($found -join ' ')" }
        }
        @($leaks) | Should -BeNullOrEmpty -Because 'no stream may carry an escape sequence or control character'
    }
}

AfterAll {
    Disconnect-All
}

Describe 'Console text from a hostile management server' {
    BeforeAll {
        # The fake server alone, on a random local port, with hostile values; this test's own process, stopped in AfterAll.
        $project = Join-Path $RepoRoot 'tests/TestWorld/SysVmPatch.TestWorld.csproj'
        & dotnet build $project -c Release --nologo -v quiet | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "dotnet build $project failed with exit code $LASTEXITCODE" }
        $dll = Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'tests/TestWorld/bin/Release') -Recurse -Filter 'SysVmPatch.TestWorld.dll' |
            Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
        $statePath = Join-Path $TestDrive 'hostile-api.json'
        $server = Start-Process -FilePath 'dotnet' -ArgumentList @($dll.FullName, 'hostile-api', '--state', $statePath, '--parent', $PID) -PassThru `
            -RedirectStandardOutput (Join-Path $TestDrive 'hostile-api.log') -RedirectStandardError (Join-Path $TestDrive 'hostile-api.err')
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (Test-Path -LiteralPath $statePath) -and -not $server.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        if (-not (Test-Path -LiteralPath $statePath)) { throw "the hostile fake server did not start: $(Get-Content -Raw (Join-Path $TestDrive 'hostile-api.err') -ErrorAction SilentlyContinue)" }
        Start-Sleep -Milliseconds 200 # the file is written whole before the server announces itself; give the write a moment
        $state = Get-Content -Raw -LiteralPath $statePath | ConvertFrom-Json
        $pick = 'Get-SystemVm | Where-Object Id -eq $state.HostileVmId'
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'hostile-bundle')
    }

    AfterAll {
        if ($server -and -not $server.HasExited) { Stop-Process -Id $server.Id -ErrorAction SilentlyContinue }
        Disconnect-All
    }

    It 'sends hostile values (the test would prove nothing otherwise)' {
        Get-ConsoleHazard $state.HostileVmName | Should -Not -BeNullOrEmpty
    }

    It 'Get-SystemVm: output table and verbose lines carry none of them' {
        $run = Invoke-Captured -State $state -Script 'Get-SystemVm -Verbose'
        $run.Output | Should -Match 'r-3-VM'
        Assert-ConsoleSafe $run
    }

    It 'Compare-SysVmVersion: output table, warnings and verbose lines carry none of them' {
        $run = Invoke-Captured -State $state -Script "$pick | Compare-SysVmVersion -TargetVersion 4.19.1 -Verbose"
        $run.Output | Should -Match 'r-3-VM'
        Assert-ConsoleSafe $run
    }

    It 'Restart-SysVm: a job failing with a hostile error text leaves errors, warnings, progress and output clean' {
        $run = Invoke-Captured -State $state -Script "$pick | Restart-SysVm -Mode Reboot -Confirm:`$false -HistoryPath `$historyPath -Verbose"
        $run.Errors.Count | Should -Be 1
        $run.Errors[0] | Should -Match 'host on fire'
        $run.ProgressCount | Should -BeGreaterThan 0
        ($run.Progress -join ' ') | Should -Match 'r-3-VM'
        $run.Output | Should -Match 'Failed'
        Assert-ConsoleSafe $run
    }

    It 'Restart-SysVm and Invoke-LivePatch -WhatIf: the plan and the per-VM lines carry none of them' {
        Disconnect-All
        $secret = ConvertTo-SecureString ([string]$state.SecretKey) -AsPlainText -Force
        Connect-SysVmCloud -Url $state.Endpoint -ApiKey $state.ApiKey -SecretKey $secret -Name hostile -SkipCertificateCheck | Out-Null
        $router = Get-SystemVm | Where-Object Id -eq $state.HostileVmId
        $restart = Get-WhatIfText { $router | Restart-SysVm -Mode Reboot -WhatIf }
        $patch = Get-WhatIfText { $router | Invoke-LivePatch -BundlePath $bundle.Path -Force -WhatIf }
        $restart.Text | Should -Match 'r-3-VM'
        $patch.Text | Should -Match 'r-3-VM'
        Get-ConsoleHazard $restart.Text | Should -BeNullOrEmpty
        Get-ConsoleHazard $patch.Text | Should -BeNullOrEmpty
    }

    It 'Clear-SysVmAttention: the error for a VM it cannot reach names it cleanly' {
        $run = Invoke-Captured -State $state -Script "$pick | Clear-SysVmAttention -ConnectTimeoutSec 1 -Confirm:`$false -HistoryPath `$historyPath -Verbose"
        $run.Errors.Count | Should -Be 1
        $run.Errors[0] | Should -Match 'r-3-VM'
        Assert-ConsoleSafe $run
    }
}

Describe "Console text from a hostile VM in the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        $lab = Get-LabState
        $ssh = @{ KeyFile = $lab.KeyFile; KnownHostsFile = $lab.KnownHostsFile }
        Connect-Lab -Name lab | Out-Null
        $router = Get-SystemVm -Type Router -State Running | Where-Object { -not $_.IsRedundant } | Select-Object -First 1
        Disconnect-All
        $base = '/var/cache/cloud/sysvmpatch'

        function Invoke-OnVm {
            param([string] $Command)
            $text = & ssh -F $lab.SshConfigFile -o BatchMode=yes $router.Name $Command 2>&1
            if ($LASTEXITCODE -ne 0) { throw "ssh to $($router.Name) failed ($LASTEXITCODE): $text" }
        }

        # The VM's release file, last outcome and attention mark carry escape sequences and control characters
        # (printf's \033, \a and \r, and a UTF-8 right-to-left override); the originals are put back in AfterAll.
        Invoke-OnVm @"
cp -p /etc/cloudstack-release /root/svp-release.bak; [ -f $base/last ] && cp -p $base/last /root/svp-last.bak
mkdir -p $base/runs/hostile1
printf 'Cloudstack Release 4.18.0 \033]0;owned\a\033[2J\a\342\200\256 Mon\n' > /etc/cloudstack-release
printf 'status=Failed\nstep=restart\nerror=\033]0;owned\a\033[31mboom from the vm\a\r\n' > $base/runs/hostile1/outcome
echo hostile1 > $base/last
printf 'run=hostile1\nstep=\033[2Jrestart\nerror=\033]0;owned\a\033[31mrollback failed on the vm\a\342\200\256\nbackup=$base/runs/hostile1/backup\033[0m\nsince=1\n' > $base/attention
"@
    }

    AfterAll {
        if ($router) {
            Invoke-OnVm @"
cp -p /root/svp-release.bak /etc/cloudstack-release && rm -f /root/svp-release.bak
rm -rf $base/runs/hostile1 $base/attention
if [ -f /root/svp-last.bak ]; then mv -f /root/svp-last.bak $base/last; else rm -f $base/last; fi
"@
        }
        Disconnect-All
    }

    It 'Compare-SysVmVersion -Probe: output, warnings, verbose lines and progress carry none of the VM''s' {
        $run = Invoke-Captured -State $lab -Vm $router -Ssh $ssh -Script 'Get-SystemVm -Id $vm.Id | Compare-SysVmVersion -Probe @ssh -Verbose'
        $run.Output | Should -Match 'needs attention'
        $run.ProgressCount | Should -BeGreaterThan 0
        Assert-ConsoleSafe $run
    }

    It 'Invoke-LivePatch refused by the mark: the error, warning, progress and result quote the mark cleanly' {
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'vm-bundle')
        $run = Invoke-Captured -State $lab -Vm $router -Ssh $ssh -Script "Get-SystemVm -Id `$vm.Id | Invoke-LivePatch -BundlePath '$($bundle.Path)' -Force -Confirm:`$false -HistoryPath `$historyPath @ssh -Verbose"
        $run.Errors.Count | Should -Be 1
        $run.Errors[0] | Should -Match 'rollback failed on the vm'
        $run.Output | Should -Match 'Attention'
        Assert-ConsoleSafe $run
    }

    It 'Clear-SysVmAttention -WhatIf: what it shows of the mark (prompt text and verbose) is clean' {
        Connect-Lab -Name lab | Out-Null
        $target = Get-SystemVm -Id $router.Id
        $whatIf = Get-WhatIfText { $target | Clear-SysVmAttention -WhatIf @ssh -Verbose 4>&1 }
        $whatIf.Text | Should -Match 'rollback failed on the vm'
        Get-ConsoleHazard $whatIf.Text | Should -BeNullOrEmpty
        Get-ConsoleHazard (@($whatIf.Output | ForEach-Object { "$_" }) -join "`n") | Should -BeNullOrEmpty
    }
}
