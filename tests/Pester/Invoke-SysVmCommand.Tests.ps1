#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# Invoke-SysVmCommand as a user sees it: its parameters, -WhatIf and refusals on VMs whose connection does not exist,
# and against the test world: a command on every VM (both transports), one VM unreachable and one with a changed
# host key while the others answer, a hung command stopped on the VM, hostile and endless output, the history.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $command = Get-Command Invoke-SysVmCommand -Module SysVmPatch

    function New-HistoryPath { Join-Path $TestDrive ("history-" + [guid]::NewGuid().ToString('n') + '.jsonl') }
    Disconnect-All
}

AfterAll {
    Disconnect-All
}

Describe 'Invoke-SysVmCommand parameters' {
    It 'takes VMs from the pipeline and the command as its first position' {
        Assert-VmPipelineParameter -Command $command
        $attribute = $command.Parameters['Command'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attribute.Mandatory | Should -BeTrue
        $attribute.Position | Should -Be 0
        Assert-CommandHasParameter -Command $command -Name ThrottleLimit, TimeoutSec, MaxOutputBytes, HistoryPath, KeyFile, KnownHostsFile, JumpHost, Transport
    }

    It 'supports -WhatIf and -Confirm with ConfirmImpact Medium (a command can change anything, yet checks must not prompt)' {
        $cmdlet = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
        $cmdlet.SupportsShouldProcess | Should -BeTrue
        "$($cmdlet.ConfirmImpact)" | Should -Be 'Medium'
    }

    It 'documents every parameter in its help page' {
        Assert-HelpDocumentsEveryParameter -Command $command
    }

    It 'rejects -<Parameter> <Value> while binding' -ForEach @(
        @{ Parameter = 'ThrottleLimit'; Value = 0 }
        @{ Parameter = 'ThrottleLimit'; Value = 257 }
        @{ Parameter = 'TimeoutSec'; Value = 0 }
        @{ Parameter = 'MaxOutputBytes'; Value = 0 }
        @{ Parameter = 'Command'; Value = '' }
    ) {
        $arguments = @{ Vm = (New-TestVm -Name 'r-1-VM'); Command = 'true'; Confirm = $false }
        $arguments[$Parameter] = $Value
        Assert-RejectedWhileBinding -Command $command -Arguments $arguments
    }
}

Describe 'Invoke-SysVmCommand without a test world' {
    It '-WhatIf names each VM and the command, and runs and records nothing' {
        $history = New-HistoryPath
        # "What if:" lines go to the host, not to a stream: a fresh pwsh prints them where they can be read.
        $pwsh = @(Get-PwshCommand)
        $script = ". '$PSScriptRoot/common.ps1'; `$out = @('r-1-VM', 'r-2-VM' | ForEach-Object { New-TestVm -Name `$_ } | " +
            "Invoke-SysVmCommand 'systemctl is-active cloud' -HistoryPath '$history' -WhatIf); 'objects: ' + `$out.Count"
        $text = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script) -join "`n"
        $text | Should -Match "What if: .*run 'systemctl is-active cloud'.*r-1-VM"
        $text | Should -Match "What if: .*run 'systemctl is-active cloud'.*r-2-VM"
        $text | Should -Match 'objects: 0'
        Test-Path -LiteralPath $history | Should -BeFalse
    }

    It 'refuses a stopped VM with VmNotRunning before connecting, records it, and goes on with the others' {
        $history = New-HistoryPath
        $errors = $null
        $vms = @((New-TestVm -Name 'r-7-VM' -State Stopped), (New-TestVm -Name 'r-8-VM'))
        $results = @($vms | Invoke-SysVmCommand 'uptime' -HistoryPath $history -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 0
        $ids = @($errors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] })
        $ids | Should -Contain 'VmNotRunning'
        # The second VM has no link-local IP: refused as a route CloudStack did not give, not as a stopped VM.
        $ids | Should -Contain 'VmRouteUnknown'
        ($errors | Where-Object { $_.FullyQualifiedErrorId -like 'VmNotRunning*' }).TargetObject.Name | Should -Be 'r-7-VM'
        ($errors | Where-Object { $_.FullyQualifiedErrorId -like 'VmNotRunning*' }).CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $records = @(Get-PatchHistory -Path $history)
        $records.Count | Should -Be 2
        $records.Operation | Sort-Object -Unique | Should -Be 'Command'
        ($records | Where-Object VmName -eq 'r-7-VM').Steps[0] | Should -Be 'command: uptime'
    }
}

Describe "Invoke-SysVmCommand against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        Connect-Lab -Name lab | Out-Null
        $lab = Get-LabState
        $running = @(Get-SystemVm -State Running)
        $ssh = @{ KeyFile = $lab.KeyFile; KnownHostsFile = $lab.KnownHostsFile; Confirm = $false }
    }

    It 'runs a command on every running VM over <Transport> and returns one result per VM with its hostname, stderr and exit code' -ForEach @(
        @{ Transport = 'SshNet' }, @{ Transport = 'OpenSsh' }
    ) {
        $history = New-HistoryPath
        $results = @($running | Invoke-SysVmCommand 'hostname; echo to-stderr >&2; exit 3' @ssh -Transport $Transport -HistoryPath $history)
        $results.Count | Should -Be $running.Count
        foreach ($vm in $running) {
            $r = $results | Where-Object VmId -eq $vm.Id
            $r | Should -HaveCount 1
            # Each lab VM has its own UTS namespace named after it: the text came from that VM.
            $r.Stdout | Should -Be "$($vm.Name)`n"
            $r.Stderr | Should -Be "to-stderr`n"
            $r.ExitCode | Should -Be 3
            $r.HostName | Should -Be $vm.HostName
            $r.VmType | Should -Be $vm.Type
            $r.Truncated | Should -BeFalse
            $r.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
        }
        $records = @(Get-PatchHistory -Path $history)
        $records.Count | Should -Be $running.Count
        foreach ($record in $records) {
            $record.Operation | Should -Be 'Command'
            $record.Status | Should -Be 'NonZeroExit'
            $record.Steps | Should -Contain 'command: hostname; echo to-stderr >&2; exit 3'
            $record.Steps | Should -Contain 'exit code 3'
        }
        @($records.RunId | Sort-Object -Unique).Count | Should -Be 1
    }

    It 'groups a pre-patch check with Group-Object' {
        $groups = @($running | Invoke-SysVmCommand 'head -n1 /etc/cloudstack-release' @ssh -HistoryPath (New-HistoryPath) | Group-Object Stdout)
        ($groups | Measure-Object Count -Sum).Sum | Should -Be $running.Count
        foreach ($g in $groups) { $g.Name | Should -Match 'Cloudstack Release' }
    }

    It 'reports an unreachable VM and one with a changed host key as errors while the others answer' {
        $unreachable = [SysVmPatch.Engine.Inventory.SystemVm]@{
            Id = 'unreachable-id'; Name = 'r-99-VM'; Type = 'Router'; State = 'Running'; Hypervisor = 'KVM'; Server = 'lab'
            HostName = $running[0].HostName; HostAddress = $running[0].HostAddress; LinkLocalIp = '169.254.254.254'
        }
        $changed = $running[1]
        # A known_hosts where the second VM's key is another one: as if the VM had been replaced, or an attacker answered.
        $otherKey = Join-Path $TestDrive 'other_ed25519'
        & ssh-keygen -q -t ed25519 -N '' -f $otherKey | Out-Null
        $otherPub = ((Get-Content -LiteralPath "$otherKey.pub") -split ' ')[0..1] -join ' '
        $knownHosts = Join-Path $TestDrive 'changed_known_hosts'
        # StartsWith, not -like: the brackets of "[address]:port" are a wildcard set to -like.
        $entry = "[$($changed.LinkLocalIp)]:3922 "
        $lines = @(Get-Content -LiteralPath $lab.KnownHostsFile)
        @($lines | Where-Object { $_.StartsWith($entry) }).Count | Should -Be 1 -Because "the lab's known_hosts names $($changed.Name) once"
        $lines | ForEach-Object { if ($_.StartsWith($entry)) { $entry + $otherPub } else { $_ } } | Set-Content -LiteralPath $knownHosts

        $errors = $null
        $history = New-HistoryPath
        $results = @(@($running) + $unreachable | Invoke-SysVmCommand 'hostname' -KeyFile $lab.KeyFile -KnownHostsFile $knownHosts `
                -Confirm:$false -ConnectTimeoutSec 5 -HistoryPath $history -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results.Count | Should -Be ($running.Count - 1)
        $results.VmName | Should -Not -Contain $changed.Name
        @($errors).Count | Should -Be 2
        $keyError = $errors | Where-Object { $_.TargetObject.Name -eq $changed.Name }
        $keyError.FullyQualifiedErrorId | Should -BeLike 'VmHostKeyRefused,*'
        $keyError.CategoryInfo.Category | Should -Be 'SecurityError'
        $lost = $errors | Where-Object { $_.TargetObject.Name -eq 'r-99-VM' }
        $lost.FullyQualifiedErrorId | Should -BeLike 'VmUnreachable,*'
        $lost.CategoryInfo.Category | Should -Be 'ConnectionError'
        (Get-PatchHistory -Path $history | Where-Object Status -eq 'Failed').VmName | Sort-Object | Should -Be (@($changed.Name, 'r-99-VM') | Sort-Object)
    }

    It 'stops a hung command at -TimeoutSec with VmCommandTimedOut, and nothing of it stays running on the VM' {
        $vm = $running[0]
        $errors = $null
        $history = New-HistoryPath
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $results = @($vm | Invoke-SysVmCommand 'sleep 3607' @ssh -TimeoutSec 3 -HistoryPath $history -ErrorVariable errors -ErrorAction SilentlyContinue)
        $watch.Stop()
        $results.Count | Should -Be 0
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'VmCommandTimedOut,*'
        $errors[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        # Far less than the sleep: the connection's set-up (slow on a loaded machine) plus the 3 s.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        (Get-PatchHistory -Path $history).Status | Should -Be 'TimedOut'
        # The VM's own timeout ends the sleep a few seconds after ours; poll for it rather than guess.
        $left = $null
        for ($i = 0; $i -lt 15; $i++) {
            $left = ($vm | Invoke-SysVmCommand 'pgrep -f "^sleep 3607$" || true' @ssh -HistoryPath (New-HistoryPath)).Stdout
            if (-not $left) { break }
            Start-Sleep -Seconds 1
        }
        $left | Should -BeNullOrEmpty -Because 'the hung command must not outlive its timeout on the VM'
    }

    It 'keeps hostile escape sequences in the object but shows none of them in the default view' {
        $hostile = 'printf ''\033]0;owned-title\007\033[2J\033[31mred\033[0m \342\200\256evil\n'''
        $r = $running[0] | Invoke-SysVmCommand $hostile @ssh -HistoryPath (New-HistoryPath)
        $r.Stdout | Should -Match ([regex]::Escape("$([char]27)[31mred"))
        $r.Stdout | Should -Match ([regex]::Escape("$([char]27)]0;owned-title"))
        $previous = if ($PSStyle) { $PSStyle.OutputRendering }
        try {
            # Ansi: PowerShell itself strips nothing, so only the view's sanitizing stands between the VM and the console.
            if ($PSStyle) { $PSStyle.OutputRendering = 'Ansi' }
            $shown = $r | Format-Table | Out-String -Width 200
        }
        finally { if ($PSStyle) { $PSStyle.OutputRendering = $previous } }
        $shown | Should -Match 'red'
        $shown | Should -Not -Match 'owned-title'
        $shown | Should -Not -Match ([regex]::Escape("$([char]27)[2J"))
        $shown | Should -Not -Match ([regex]::Escape("$([char]27)[31m"))
        $shown | Should -Not -Match ([char]0x202E)
    }

    It 'keeps the first -MaxOutputBytes of a huge output, says Truncated, and still reports the exit code' {
        $r = $running[0] | Invoke-SysVmCommand 'head -c 3000000 /dev/zero | tr "\0" x; echo; head -c 500000 /dev/zero | tr "\0" y >&2; exit 5' @ssh `
            -MaxOutputBytes 100KB -HistoryPath (New-HistoryPath)
        $r.ExitCode | Should -Be 5
        $r.StdoutTruncated | Should -BeTrue
        $r.StderrTruncated | Should -BeTrue
        $r.Truncated | Should -BeTrue
        $r.Stdout.TrimEnd("`n").Length | Should -Be 100KB
        $r.Stdout | Should -Match '^x+\n$'
        $r.Stderr.TrimEnd("`n").Length | Should -Be 100KB
        ($r | Out-String) | Should -Match 'truncated at the output limit'
    }

    It 'bounds an endless output by the limit and ends it at the timeout' {
        $errors = $null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = $running[0] | Invoke-SysVmCommand 'yes' @ssh -TimeoutSec 4 -MaxOutputBytes 64KB -HistoryPath (New-HistoryPath) `
            -ErrorVariable errors -ErrorAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'VmCommandTimedOut,*'
    }

    It '-WhatIf changes nothing on the VM' {
        $marker = "/tmp/whatif-$([guid]::NewGuid().ToString('n'))"
        $history = New-HistoryPath
        $out = @($running | Invoke-SysVmCommand "touch $marker" -KeyFile $lab.KeyFile -KnownHostsFile $lab.KnownHostsFile -HistoryPath $history -WhatIf)
        $out.Count | Should -Be 0
        Test-Path -LiteralPath $history | Should -BeFalse
        $check = @($running | Invoke-SysVmCommand "test -e $marker" @ssh -HistoryPath (New-HistoryPath))
        $check.Count | Should -Be $running.Count
        $check.ExitCode | Sort-Object -Unique | Should -Be 1
    }
}
