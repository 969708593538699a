#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# Restart-SysVm as a user sees it: its parameters, binding from Get-SystemVm and Compare-SysVmVersion output, the
# rollout rules (redundant pairs, MaxFailures, duplicates) and history, on VMs whose connection does not exist (so
# every restart fails before any remote call), and against the test world: -WhatIf restarts nothing, a reboot with
# -Wait comes back with job ids and history records.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    function Invoke-OfflineRestart {
        # Runs Restart-SysVm without prompts on piped VMs; returns the results, the errors and the history path.
        param(
            [Parameter(ValueFromPipeline)] $InputObject,
            [hashtable] $Arguments = @{}
        )
        begin { $items = [System.Collections.Generic.List[object]]::new() }
        process { $items.Add($InputObject) }
        end {
            $history = Join-Path $TestDrive ("history-" + [guid]::NewGuid().ToString('n') + '.jsonl')
            $errors = $null
            $results = @($items | Restart-SysVm @Arguments -Confirm:$false -HistoryPath $history `
                    -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            [pscustomobject]@{ Results = $results; Errors = @($errors); History = $history }
        }
    }

    Disconnect-All
}

AfterAll {
    Disconnect-All
}

Describe 'Restart-SysVm parameters' {
    BeforeAll {
        $command = Get-Command Restart-SysVm -Module SysVmPatch -ErrorAction Stop
    }

    It 'restarts in one of four modes, Reboot by default position 0' {
        $mode = $command.Parameters['Mode']
        $mode.ParameterType | Should -Be ([SysVmPatch.Engine.Restart.RestartMode])
        [enum]::GetNames([SysVmPatch.Engine.Restart.RestartMode]) | Should -Be @('Reboot', 'StopStart', 'Recreate', 'Services')
        ($mode.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).Position | Should -Be 0
    }

    It 'supports -WhatIf and -Confirm and asks by default (ConfirmImpact High)' {
        Assert-AsksBeforeChanging -Command $command
    }

    It 'requires -Vm, which takes SystemVm objects by value and by property name' {
        Assert-VmPipelineParameter -Command $command
    }

    It 'has the rollout and SSH parameters' {
        Assert-CommandHasParameter -Command $command -Name (@('Wait', 'TimeoutSec', 'Force', 'AllowHostFiles') + $RolloutAndSshParameters)
    }

    It 'declares RestartResult as its output' {
        $command.OutputType.Name | Should -Contain 'SysVmPatch.Engine.Restart.RestartResult'
    }

    It 'has a help page that documents every parameter' {
        Assert-HelpDocumentsEveryParameter -Command $command
    }

    It 'rejects -<Parameter> <Value> while binding' -ForEach @(
        $RolloutRejectedValues
        @{ Parameter = 'TimeoutSec'; Value = 0 }
        @{ Parameter = 'Mode'; Value = 'Shutdown' }
    ) {
        $arguments = @{ Vm = (New-TestVm -Name r-1-VM); $Parameter = $Value; WhatIf = $true }
        # A value that is no enum name fails conversion (CannotConvertArgumentNoMessage), not validation.
        $errorId = if ($Parameter -eq 'Mode') { 'CannotConvertArgument*' } else { 'ParameterArgument*' }
        Assert-RejectedWhileBinding -Command $command -Arguments $arguments -ErrorId $errorId
    }
}

Describe 'Restart-SysVm on VMs whose management server is not connected' {
    It 'with -WhatIf emits nothing, writes no error and no history' {
        $history = Join-Path $TestDrive 'whatif-history.jsonl'
        $errors = $null
        $out = @(New-TestVm -Name r-1-VM | Restart-SysVm -WhatIf -HistoryPath $history -ErrorVariable errors -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        @($errors).Count | Should -Be 0
        Test-Path -LiteralPath $history | Should -BeFalse
    }

    Context 'piped from Get-SystemVm-shaped objects' {
        BeforeAll {
            $vms = @(New-TestVm -Name r-1-VM; New-TestVm -Name s-2-VM -Type SSVM)
            $run = $vms | Invoke-OfflineRestart
        }

        It 'returns one Failed result per VM, in one run' {
            $run.Results.Count | Should -Be 2
            @($run.Results.VmId | Sort-Object) | Should -Be @($vms.Id | Sort-Object)
            foreach ($r in $run.Results) {
                $r | Should -BeOfType ([SysVmPatch.Engine.Restart.RestartResult])
                "$($r.Status)" | Should -Be 'Failed'
                "$($r.Mode)" | Should -Be 'Reboot'
                $r.Error | Should -Match "not connected to 'offline'"
                $r.JobIds.Count | Should -Be 0
                $r.RunId | Should -Be $run.Results[0].RunId
            }
            $run.Results[0].RunId | Should -Not -BeNullOrEmpty
        }

        It 'writes a non-terminating RestartFailed error per VM, targeting its result' {
            $run.Errors.Count | Should -Be 2
            foreach ($e in $run.Errors) {
                $e.FullyQualifiedErrorId | Should -BeLike 'RestartFailed,*'
                $e.CategoryInfo.Category | Should -Be 'InvalidResult'
                $e.TargetObject | Should -BeOfType ([SysVmPatch.Engine.Restart.RestartResult])
                $e.Exception.Message | Should -Match ([regex]::Escape($e.TargetObject.VmName))
            }
        }

        It 'records each VM in the history under the run id' {
            $records = @(Get-PatchHistory -Path $run.History -RunId $run.Results[0].RunId)
            $records.Count | Should -Be 2
            @($records.VmId | Sort-Object) | Should -Be @($vms.Id | Sort-Object)
            foreach ($record in $records) {
                "$($record.Operation)" | Should -Be 'Restart'
                $record.Status | Should -Be 'Failed'
                $record.FailedStep | Should -Be 'Reboot'
                $record.Error | Should -Match 'not connected'
            }
        }
    }

    It 'binds Compare-SysVmVersion output through its Vm property' {
        $vms = @(New-TestVm -Name r-3-VM; New-TestVm -Name r-4-VM)
        $comparisons = @($vms | Compare-SysVmVersion -TargetVersion 4.19.1)
        $run = $comparisons | Invoke-OfflineRestart -Arguments @{ Mode = 'StopStart' }
        @($run.Results.VmId | Sort-Object) | Should -Be @($vms.Id | Sort-Object)
        foreach ($r in $run.Results) { "$($r.Mode)" | Should -Be 'StopStart' }
    }

    It 'records a Recreate as the Recreate operation' {
        $run = New-TestVm -Name r-5-VM -NetworkId n5 | Invoke-OfflineRestart -Arguments @{ Mode = 'Recreate' }
        $record = Get-PatchHistory -Path $run.History -RunId $run.Results[0].RunId
        "$($record.Operation)" | Should -Be 'Recreate'
    }

    It 'restarts a VM piped twice once' {
        $vm = New-TestVm -Name r-6-VM
        $run = @($vm, $vm) | Invoke-OfflineRestart
        $run.Results.Count | Should -Be 1
    }

    It 'puts the BACKUP of a redundant pair first and does not start the PRIMARY after it failed' {
        $primary = New-TestVm -Name r-7-VM -NetworkId n7 -RedundantState PRIMARY
        $backup = New-TestVm -Name r-8-VM -NetworkId n7 -RedundantState BACKUP
        $run = @($primary, $backup) | Invoke-OfflineRestart -Arguments @{ BatchSize = 10 }
        $byName = @{}
        foreach ($r in $run.Results) { $byName[$r.VmName] = $r }
        $byName['r-8-VM'].Batch | Should -Be 1
        "$($byName['r-8-VM'].Status)" | Should -Be 'Failed'
        $byName['r-7-VM'].Batch | Should -BeGreaterThan 1
        "$($byName['r-7-VM'].Status)" | Should -Be 'Skipped'
        $byName['r-7-VM'].Error | Should -Match 'partner'
        $run.Errors.Count | Should -Be 1
    }

    It 'starts no further batch once more than -MaxFailures VMs failed' {
        $vms = @(1..3 | ForEach-Object { New-TestVm -Name "r-1$_-VM" })
        $run = $vms | Invoke-OfflineRestart -Arguments @{ BatchSize = 1; MaxFailures = 0 }
        $run.Results.Count | Should -Be 3
        @($run.Results | Where-Object { "$($_.Status)" -eq 'Failed' }).Count | Should -Be 1
        $skipped = @($run.Results | Where-Object { "$($_.Status)" -eq 'Skipped' })
        $skipped.Count | Should -Be 2
        foreach ($s in $skipped) { $s.Error | Should -Match 'MaxFailures' }
    }

    It 'warns at the end how many VMs were not restarted, naming the run' {
        $warnings = $null
        $results = @(New-TestVm -Name r-20-VM | Restart-SysVm -Confirm:$false -HistoryPath (Join-Path $TestDrive 'warn-history.jsonl') `
                -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue)
        @($warnings) -join "`n" | Should -Match ([regex]::Escape($results[0].RunId))
    }
}

Describe "Restart-SysVm against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        Connect-Lab -Name lab | Out-Null
        $lab = Get-LabState
        function Get-FleetState { @(Get-SystemVm | Sort-Object Id | ForEach-Object { "$($_.Id) $($_.Name) $($_.State) $($_.AgentState)" }) }
    }

    AfterAll {
        Disconnect-All
    }

    It 'with -WhatIf restarts nothing, for every mode' -ForEach @(
        @{ Mode = 'Reboot' }, @{ Mode = 'StopStart' }, @{ Mode = 'Recreate' }, @{ Mode = 'Services' }
    ) {
        $before = Get-FleetState
        $before.Count | Should -BeGreaterThan 0
        $history = Join-Path $TestDrive "lab-whatif-$Mode.jsonl"
        $errors = $null
        $out = @(Get-SystemVm | Restart-SysVm -Mode $Mode -Wait -WhatIf -HistoryPath $history -KeyFile $lab.KeyFile `
                -KnownHostsFile $lab.KnownHostsFile -ErrorVariable errors -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        @($errors).Count | Should -Be 0
        Test-Path -LiteralPath $history | Should -BeFalse
        Get-FleetState | Should -Be $before
    }

    It 'reboots two routers with -Wait: Restarted, with job ids and history records' {
        $routers = @(Get-SystemVm -Type Router -State Running | Select-Object -First 2)
        if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'the test world has fewer than two running routers' ; return }
        $history = Join-Path $TestDrive 'lab-reboot-history.jsonl'
        $results = @($routers | Restart-SysVm -Mode Reboot -Wait -TimeoutSec 300 -Confirm:$false -HistoryPath $history -ErrorAction Stop)

        $results.Count | Should -Be 2
        @($results.VmId | Sort-Object) | Should -Be @($routers.Id | Sort-Object)
        $runId = $results[0].RunId
        foreach ($r in $results) {
            "$($r.Status)" | Should -Be 'Restarted'
            $r.RunId | Should -Be $runId
            $r.JobIds.Count | Should -Be 1
            $r.JobIds[0] | Should -Not -BeNullOrEmpty
            $r.FinalState | Should -Be 'Running'
            $r.Error | Should -BeNullOrEmpty
            ($r.Steps -join "`n") | Should -Match ([regex]::Escape("rebootRouter job $($r.JobIds[0]) succeeded"))
        }
        @($results.JobIds | Sort-Object -Unique).Count | Should -Be 2

        $records = @(Get-PatchHistory -Path $history -RunId $runId)
        $records.Count | Should -Be 2
        @($records.VmId | Sort-Object) | Should -Be @($routers.Id | Sort-Object)
        foreach ($record in $records) {
            "$($record.Operation)" | Should -Be 'Restart'
            $record.Status | Should -Be 'Restarted'
            $record.FailedStep | Should -BeNullOrEmpty
        }

        foreach ($vm in (Get-SystemVm -Id $routers.Id)) { $vm.State | Should -Be 'Running' }
    }
}
