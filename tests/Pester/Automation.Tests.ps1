#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# SysVmPatch without anybody at the keyboard: a fresh `pwsh -NonInteractive` (or one whose input is redirected) that
# would prompt fails at once naming -Confirm:$false and changes nothing; exit codes of -Command and -File scripts when a
# VM fails; ConvertTo-SysVmJson (enums as names); the DSC resource SysVmPatchCompliance as DSC finds it. Against the
# test world: docs/ansible/livepatch.yml run twice by ansible-playbook (changed, then not), and the DSC resource's
# Get/Test/Set (outdated, patched, current).

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
    $ansible = Get-Command ansible-playbook -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $ansibleSkipReason = if ($labSkipReason) { $labSkipReason } elseif (-not $ansible) { 'ansible-playbook is not on the PATH (install ansible-core)' } elseif ($IsWindows) { 'ansible-playbook runs on Linux or macOS' } else { $null }
    $ansibleNote = if ($ansibleSkipReason) { " - skipped, $ansibleSkipReason" } else { '' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    function Invoke-PwshProcess {
        <#
        Runs this PowerShell as a new process with the given arguments (after -NoProfile) and returns its exit code,
        stdout and stderr. Standard input is a pipe closed at once, as under a scheduler or Ansible, unless
        -InheritInput keeps the test's own.
        #>
        param([Parameter(Mandatory)] [string[]] $Arguments, [int] $TimeoutSec = 120)
        $pwsh = @(Get-PwshCommand)
        $start = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
        $all = @($pwsh | Select-Object -Skip 1) + @('-NoProfile') + $Arguments
        if ($start.PSObject.Properties['ArgumentList']) { foreach ($argument in $all) { $start.ArgumentList.Add($argument) } }
        else {
            # Windows PowerShell 5.1's .NET has no ArgumentList: one command line, quoted as the C runtime splits it.
            $start.Arguments = ($all | ForEach-Object { '"' + (($_ -replace '(\\*)"', '$1$1\"') -replace '(\\+)$', '$1$1') + '"' }) -join ' '
        }
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        $start.Environment['NO_COLOR'] = '1'
        $process = [System.Diagnostics.Process]::Start($start)
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSec * 1000)) {
            $process.Kill()
            throw "pwsh $($Arguments -join ' ') did not end within $TimeoutSec s (a prompt waiting for input?)"
        }
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; Stdout = $stdout.Result; Stderr = $stderr.Result }
    }

    # The start of every script run in a fresh pwsh: the module (through common.ps1) and a VM on a connection that is
    # never made, so a run that gets past the prompt fails on it without contacting anything.
    $commonPath = Join-Path $PSScriptRoot 'common.ps1'
    $prelude = ". '$commonPath'; `$vm = New-TestVm -Name r-1-VM; "
}

Describe 'A state-changing cmdlet in a fresh pwsh where nobody can answer' {
    BeforeAll {
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'bundle')
        $history = Join-Path $TestDrive 'refused.jsonl'
        # The record's id and text, printed by the script: what a scheduler's log would show.
        $report = " } catch { 'ID=' + `$_.FullyQualifiedErrorId; 'MESSAGE=' + `$_.Exception.Message; exit 3 }"
    }

    It '<Command> under pwsh -NonInteractive fails at once with ConfirmationNotPossible, names -Confirm:$false, changes nothing' -ForEach @(
        @{ Command = 'Restart-SysVm'; Line = "`$vm | Restart-SysVm -Mode Reboot -HistoryPath '{history}'" }
        @{ Command = 'Invoke-LivePatch'; Line = "`$vm | Invoke-LivePatch -BundlePath '{bundle}' -TargetVersion 4.19.1 -HistoryPath '{history}'" }
    ) {
        $line = $Line.Replace('{history}', $history).Replace('{bundle}', $bundle.Path)
        $run = Invoke-PwshProcess -Arguments @('-NonInteractive', '-Command', $prelude + 'try { ' + $line + $report)
        $run.ExitCode | Should -Be 3 -Because "stdout: $($run.Stdout) stderr: $($run.Stderr)"
        $run.Stdout | Should -Match "ID=ConfirmationNotPossible,SysVmPatch\.Cmdlets\.Commands\."
        $run.Stdout | Should -Match ([regex]::Escape("$Command asks for confirmation"))
        $run.Stdout | Should -Match 'started with -NonInteractive'
        $run.Stdout | Should -Match ([regex]::Escape('add -Confirm:$false'))
        Test-Path -LiteralPath $history | Should -BeFalse
    }

    It 'fails the same way when pwsh reads its standard input from a pipe, instead of hanging or failing at the prompt' {
        $run = Invoke-PwshProcess -Arguments @('-Command', $prelude + "try { `$vm | Restart-SysVm -HistoryPath '$history'" + $report)
        $run.ExitCode | Should -Be 3 -Because "stdout: $($run.Stdout) stderr: $($run.Stderr)"
        $run.Stdout | Should -Match 'ID=ConfirmationNotPossible,'
        $run.Stdout | Should -Match 'standard input is redirected'
        Test-Path -LiteralPath $history | Should -BeFalse
    }

    It 'runs past the prompt with -Confirm:$false (the VM then fails on its connection, not on a prompt)' {
        $run = Invoke-PwshProcess -Arguments @('-NonInteractive', '-Command', $prelude + "try { `$vm | Restart-SysVm -Confirm:`$false -HistoryPath '$TestDrive/confirmed.jsonl' -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | ConvertTo-SysVmJson" + $report)
        $run.Stdout | Should -Not -Match 'ConfirmationNotPossible'
        ($run.Stdout | ConvertFrom-Json).Status | Should -Be 'Failed'
    }

    It 'with -WhatIf asks nothing and exits 0' {
        $whatIfHistory = Join-Path $TestDrive 'whatif.jsonl'
        $run = Invoke-PwshProcess -Arguments @('-NonInteractive', '-Command', $prelude + "`$vm | Restart-SysVm -WhatIf -HistoryPath '$whatIfHistory'")
        $run.ExitCode | Should -Be 0 -Because "stdout: $($run.Stdout) stderr: $($run.Stderr)"
        Test-Path -LiteralPath $whatIfHistory | Should -BeFalse
    }
}

Describe 'Exit codes of unattended scripts when a VM fails' {
    BeforeAll {
        $history = Join-Path $TestDrive 'exit-codes.jsonl'
        # -Confirm:$false, and a VM that fails (its connection was never made): one non-terminating error record.
        $failingRun = "`$vm | Restart-SysVm -Confirm:`$false -HistoryPath '$history' -WarningAction SilentlyContinue"
    }

    It 'pwsh -Command exits 1 when the last pipeline wrote a VM''s error record, even piped on to ConvertTo-SysVmJson' {
        $run = Invoke-PwshProcess -Arguments @('-NonInteractive', '-Command', $prelude + $failingRun + ' | ConvertTo-SysVmJson')
        $run.ExitCode | Should -Be 1
        ($run.Stdout | ConvertFrom-Json).Status | Should -Be 'Failed'
        $run.Stderr | Should -Match 'r-1-VM'
    }

    It 'pwsh -File exits 0 after a failed VM unless the script says otherwise, and 1 with the documented check' {
        $plain = Join-Path $TestDrive 'plain.ps1'
        Set-Content -LiteralPath $plain -Value ($prelude + $failingRun + ' | Out-Null')
        (Invoke-PwshProcess -Arguments @('-NonInteractive', '-File', $plain)).ExitCode | Should -Be 0
        $checked = Join-Path $TestDrive 'checked.ps1'
        Set-Content -LiteralPath $checked -Value ($prelude + "`$results = @($failingRun -ErrorVariable failures)`nif (`$failures) { exit 1 }")
        (Invoke-PwshProcess -Arguments @('-NonInteractive', '-File', $checked)).ExitCode | Should -Be 1
        $dollarQuestion = Join-Path $TestDrive 'dollar-question.ps1'
        Set-Content -LiteralPath $dollarQuestion -Value ($prelude + "$failingRun | ConvertTo-SysVmJson | Set-Content -LiteralPath '$TestDrive/report.json'`nif (-not `$?) { exit 1 }")
        (Invoke-PwshProcess -Arguments @('-NonInteractive', '-File', $dollarQuestion)).ExitCode | Should -Be 1
        (Get-Content -Raw -LiteralPath "$TestDrive/report.json" | ConvertFrom-Json).Status | Should -Be 'Failed'
    }
}

Describe 'ConvertTo-SysVmJson' {
    BeforeAll {
        $result = [SysVmPatch.Engine.LivePatch.LivePatchResult]@{
            VmId = 'id-1'; VmName = 'r-1-VM'; VmType = 'Router'; Status = 'RolledBack'; FailedStep = 'RestartServices'
            Duration = [timespan]::FromSeconds(19); Steps = [string[]]@('preflight ok', "restart `"haproxy`"`nfailed")
        }
    }

    It 'writes enums as their names and durations as d.hh:mm:ss, in one array' {
        $json = $result | ConvertTo-SysVmJson
        $json | Should -BeOfType [string]
        $json | Should -Match '"Status":"RolledBack"'
        $json | Should -Match '"VmType":"Router"'
        $parsed = @($json | ConvertFrom-Json)
        $parsed.Count | Should -Be 1
        $parsed[0].Status | Should -Be 'RolledBack'
        $parsed[0].Duration | Should -Be '00:00:19'
        $parsed[0].Steps | Should -Be @('preflight ok', "restart `"haproxy`"`nfailed")
        $parsed[0].IsFailure | Should -BeTrue
    }

    It 'writes an array for one object, for many, and for none' {
        @($result, $result) | ConvertTo-SysVmJson | ConvertFrom-Json | Should -HaveCount 2
        @() | ConvertTo-SysVmJson | Should -Be '[]'
    }

    It 'writes times in ISO 8601 UTC and nested hashtables and objects down to -Depth, deeper ones as text' {
        $json = ConvertTo-SysVmJson -InputObject @{ When = [datetimeoffset]'2026-03-04T05:06:07+02:00'; Inner = @{ Day = [DayOfWeek]::Monday; Deeper = @{ X = 1 } } } -Depth 2
        $json | Should -Match '"When":"2026-03-04T03:06:07\.0000000Z"'
        $json | Should -Match '"Day":"Monday"'
        $json | Should -Match '"Deeper":"System\.Collections\.Hashtable"'
        [pscustomobject]@{ Outer = [pscustomobject]@{ Name = 'r-1-VM' } } | ConvertTo-SysVmJson -Depth 1 | Should -Be '[{"Outer":"@{Name=r-1-VM}"}]'
    }

    It 'refuses a -Depth over 100 while binding' {
        Assert-RejectedWhileBinding -Command (Get-Command ConvertTo-SysVmJson) -Arguments @{ InputObject = 1; Depth = 101 }
    }
}

Describe 'The DSC resource SysVmPatchCompliance as DSC finds it' {
    BeforeAll {
        $manifest = Import-PowerShellDataFile -LiteralPath $ManifestPath
        $nested = @($manifest.NestedModules | Where-Object { $_ -like '*.psm1' })
        $tokens = $null; $parseErrors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $RepoRoot $nested[0]), [ref]$tokens, [ref]$parseErrors)
        $class = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.TypeDefinitionAst] -and $n.Name -eq 'SysVmPatchCompliance' }, $true) | Select-Object -First 1
    }

    It 'is exported by the manifest from a nested script module that parses' {
        $manifest.DscResourcesToExport | Should -Contain 'SysVmPatchCompliance'
        $nested.Count | Should -Be 1
        $parseErrors | Should -BeNullOrEmpty
        $class | Should -Not -BeNullOrEmpty
        $class.Attributes.TypeName.Name | Should -Contain 'DscResource'
    }

    It 'has the keys Zone and BundlePath, a mandatory DesiredState, and Get, Test and Set with the types DSC requires' {
        $keys = @($class.Members | Where-Object { $_.Attributes | Where-Object { $_.TypeName.Name -eq 'DscProperty' -and $_.NamedArguments.ArgumentName -contains 'Key' } } | ForEach-Object Name)
        $keys | Sort-Object | Should -Be @('BundlePath', 'Zone')
        $methods = @{}
        foreach ($m in $class.Members | Where-Object { $_ -is [System.Management.Automation.Language.FunctionMemberAst] }) { $methods[$m.Name] = $m.ReturnType.TypeName.Name }
        $methods['Get'] | Should -Be 'SysVmPatchCompliance'
        $methods['Test'] | Should -Be 'bool'
        $methods['Set'] | Should -Be 'void'
    }

    It 'is the class the loaded module defines' {
        $resource = & (Get-Module SysVmPatch) { [SysVmPatchCompliance]::new() }
        $resource.DesiredState | Should -Be 'Current'
        { $resource.DesiredState = 'Outdated' } | Should -Throw
    }
}

Describe "docs/ansible/livepatch.yml run by ansible-playbook against the test world$ansibleNote" -Skip:($null -ne $ansibleSkipReason) {
    BeforeAll {
        $lab = Get-LabState
        $pwsh = @(Get-PwshCommand)
        # win_shell runs the task's text in PowerShell; here the shell module's `executable` is this pwsh, started
        # the way Ansible's Windows wrapper starts PowerShell (-NonInteractive -NoProfile).
        $wrapper = Join-Path $TestDrive 'pwsh'
        Set-Content -LiteralPath $wrapper -Value ("#!/bin/sh`nexec " + (($pwsh | ForEach-Object { "'$_'" }) -join ' ') + ' -NoProfile -NonInteractive "$@"')
        & chmod +x $wrapper
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'ansible-bundle')
        $history = Join-Path $TestDrive 'ansible-history.jsonl'
        $variables = Join-Path $TestDrive 'vars.json'
        @{
            pwsh_executable = $wrapper; sysvmpatch_module = $ManifestPath; bundle_path = $bundle.Path; vm_type = 'Router'
            cloudmonkey_profile = 'lab'; cloudmonkey_config = $lab.CloudMonkeyConfig
            ssh_key_file = $lab.KeyFile; known_hosts_file = $lab.KnownHostsFile; history_path = $history
            ansible_python_interpreter = '/usr/bin/python3'
        } | ConvertTo-Json | Set-Content -LiteralPath $variables
        $playbook = Join-Path $RepoRoot 'docs/ansible/livepatch.yml'

        function Invoke-Playbook {
            # The play's recap for localhost (ok, changed, failed) and the whole output for the failure message.
            param([string[]] $ExtraVariables = @())
            $env:ANSIBLE_NOCOLOR = '1'
            $extra = @($ExtraVariables | ForEach-Object { '-e', $_ })
            $output = (& ansible-playbook -i 'localhost,' -c local -e "@$variables" @extra $playbook 2>&1) -join "`n"
            $recap = [regex]::Match($output, 'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)')
            if (-not $recap.Success) { throw "ansible-playbook printed no recap (exit code $LASTEXITCODE):`n$output" }
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Changed = [int]$recap.Groups[2].Value; Failed = [int]$recap.Groups[4].Value; Output = $output }
        }

        $first = Invoke-Playbook
        $second = Invoke-Playbook
        # A bundle no VM runs, and a known_hosts file that knows no host: every VM fails at connect, fail-closed.
        $otherBundle = New-TestBundle -Path (Join-Path $TestDrive 'ansible-bundle-2')
        $emptyKnownHosts = Join-Path $TestDrive 'known_hosts_empty'
        Set-Content -LiteralPath $emptyKnownHosts -Value ''
        $failing = Invoke-Playbook -ExtraVariables @("bundle_path=$($otherBundle.Path)", "known_hosts_file=$emptyKnownHosts")
    }

    It 'reports changed, not failed, on the first run, which patched the routers' {
        $first.Failed | Should -Be 0 -Because $first.Output
        $first.ExitCode | Should -Be 0
        $first.Changed | Should -Be 1 -Because $first.Output
        $patched = @(Get-Content -LiteralPath $history | ConvertFrom-Json | Where-Object Status -eq 'Patched')
        $patched.Count | Should -BeGreaterThan 0
        foreach ($record in $patched) { $record.ToSignature | Should -Be $bundle.Md5 }
        $first.Output | Should -Match ([regex]::Escape("$($patched[0].VmName): Patched"))
    }

    It 'reports nothing changed and nothing failed on the second run' {
        $second.Failed | Should -Be 0 -Because $second.Output
        $second.Changed | Should -Be 0 -Because $second.Output
        $second.Output | Should -Match 'AlreadyCurrent'
        $second.Output | Should -Not -Match ': Patched'
    }

    It 'reports failed, and patches nothing, when the VMs cannot be reached' {
        $failing.Failed | Should -Be 1 -Because $failing.Output
        $failing.ExitCode | Should -Not -Be 0
        $failing.Output | Should -Match 'r-\d+-VM'
        @(Get-Content -LiteralPath $history | ConvertFrom-Json | Where-Object { $_.ToSignature -eq $otherBundle.Md5 }) | Should -HaveCount 0
    }
}

Describe "SysVmPatchCompliance Get, Test and Set against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        $lab = Get-LabState
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'dsc-bundle')
        Disconnect-All
        Connect-Lab -Name lab | Out-Null
        $router = Get-SystemVm -Type Router -State Running | Select-Object -First 1
        Disconnect-All
        $resource = & (Get-Module SysVmPatch) { [SysVmPatchCompliance]::new() }
        $resource.Zone = $router.ZoneName
        $resource.Name = $router.Name
        $resource.Type = 'Router'
        $resource.BundlePath = $bundle.Path
        $resource.CloudMonkeyProfile = 'lab'
        $resource.CloudMonkeyConfigPath = $lab.CloudMonkeyConfig
        $resource.KeyFile = $lab.KeyFile
        $resource.KnownHostsFile = $lab.KnownHostsFile
        $resource.HistoryPath = Join-Path $TestDrive 'dsc-history.jsonl'
    }

    It 'Get says Outdated and names the router; Test is false before Set' {
        $state = $resource.Get()
        $state.State | Should -Be 'Outdated'
        $state.OutdatedVms | Should -Be @($router.Name)
        $resource.Test() | Should -BeFalse
    }

    It 'Set patches it without asking, and Test is true afterwards' {
        $resource.Set()
        $records = @(Get-Content -LiteralPath $resource.HistoryPath | ConvertFrom-Json)
        $records.Count | Should -Be 1
        $records[0].VmName | Should -Be $router.Name
        $records[0].Status | Should -Be 'Patched'
        $records[0].ToSignature | Should -Be $bundle.Md5
        $resource.Test() | Should -BeTrue
        $resource.Get().State | Should -Be 'Current'
    }

    It 'Set on a current VM changes nothing and leaves no connection behind' {
        $resource.Set()
        @(Get-Content -LiteralPath $resource.HistoryPath).Count | Should -Be 1
        @(Get-SysVmCloud) | Should -HaveCount 0
    }

    It 'Set fails naming the VM when it cannot reach it, and Test stays false' {
        # A bundle the router does not run, and a known_hosts file that knows no host: connect fails, fail-closed.
        $unreachable = & (Get-Module SysVmPatch) { [SysVmPatchCompliance]::new() }
        foreach ($property in 'Zone', 'Name', 'Type', 'CloudMonkeyProfile', 'CloudMonkeyConfigPath', 'KeyFile') { $unreachable.$property = $resource.$property }
        $unreachable.BundlePath = (New-TestBundle -Path (Join-Path $TestDrive 'dsc-bundle-2')).Path
        $unreachable.KnownHostsFile = Join-Path $TestDrive 'known_hosts_empty'
        Set-Content -LiteralPath $unreachable.KnownHostsFile -Value ''
        $unreachable.HistoryPath = Join-Path $TestDrive 'dsc-unreachable.jsonl'
        $unreachable.Test() | Should -BeFalse
        $err = Get-TerminatingError { $unreachable.Set() }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Message | Should -Match ([regex]::Escape("$($router.Name): Failed"))
        $unreachable.Test() | Should -BeFalse
        @(Get-SysVmCloud) | Should -HaveCount 0
    }
}
