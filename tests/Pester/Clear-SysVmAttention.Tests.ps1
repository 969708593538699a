#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# Clear-SysVmAttention as a user sees it: its parameters and, on a VM it cannot reach, a per-VM error and no history.
# Against the test world, the whole story: a live patch whose service restart hangs, and whose rollback's restart hangs
# too, ends RollbackFailed and marks the router; the next patch is refused; -WhatIf shows the mark and keeps it;
# clearing removes it on the VM and records ClearAttention; clearing again is NoAttentionMark; the router patches again.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Disconnect-All
}

AfterAll {
    Disconnect-All
}

Describe 'Clear-SysVmAttention parameters' {
    BeforeAll {
        $command = Get-Command Clear-SysVmAttention -Module SysVmPatch
    }

    It 'asks by default (ConfirmImpact High) and supports -WhatIf and -Confirm' {
        $attribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.SupportsShouldProcess | Should -BeTrue
        "$($attribute.ConfirmImpact)" | Should -Be 'High'
        $command.Parameters.Keys | Should -Contain 'WhatIf'
    }

    It 'takes SystemVm objects by value and by property name, and the SSH parameters of the other cmdlets' {
        $vm = $command.Parameters['Vm']
        $vm.ParameterType | Should -Be ([SysVmPatch.Engine.Inventory.SystemVm[]])
        $vm.Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipeline | Should -BeTrue
        $vm.Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName | Should -BeTrue
        foreach ($name in 'KeyFile', 'KnownHostsFile', 'JumpHost', 'Transport', 'HistoryPath', 'PassThru') { $command.Parameters.Keys | Should -Contain $name }
    }

    It 'declares VmAttention as its output' {
        $command.OutputType.Type | Should -Contain ([SysVmPatch.Engine.LivePatch.VmAttention])
    }
}

Describe 'Clear-SysVmAttention on a VM it cannot reach' {
    It 'writes a non-terminating SshConnectFailed error naming the VM, goes on to the next VM and records nothing' {
        $history = Join-Path $TestDrive 'unreachable.jsonl'
        $vms = @(New-TestVm -Name 'r-90-VM'; New-TestVm -Name 'r-91-VM')
        $errors = $null
        $out = @($vms | Clear-SysVmAttention -Confirm:$false -PassThru -HistoryPath $history -ErrorVariable errors -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        @($errors).Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SshConnectFailed,*'
        "$($errors[0].CategoryInfo.Category)" | Should -Be 'ConnectionError'
        $errors[0].TargetObject.Name | Should -Be 'r-90-VM'
        $errors[1].TargetObject.Name | Should -Be 'r-91-VM'
        Test-Path -LiteralPath $history | Should -BeFalse
    }
}

Describe "Clear-SysVmAttention after a failed rollback in the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Connect-Lab -Name lab | Out-Null
        $lab = Get-LabState
        $sshOptions = @{ KeyFile = $lab.KeyFile; KnownHostsFile = $lab.KnownHostsFile }
        $history = Join-Path $TestDrive 'attention.jsonl'
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'attention-bundle')
        $mark = '/var/cache/cloud/sysvmpatch/attention'

        function Invoke-OnVm {
            # A command on the VM through the lab's own ssh_config (plain OpenSSH): what is checked or arranged there
            # does not go through the code under test.
            param([string] $Name, [string] $Command)
            $text = & ssh -F $lab.SshConfigFile -o BatchMode=yes $Name $Command 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($text -join "`n") }
        }

        # The last running, non-redundant router on a template that can be live-patched (the Invoke-LivePatch tests
        # take the first ones), with the first of its enabled services.
        $serverVersion = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull((Get-SysVmCloud | Where-Object Name -eq 'lab').Version)
        $router = Get-SystemVm -Type Router -State Running | Where-Object {
            $v = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull($_.TemplateVersion)
            -not $_.IsRedundant -and $v -and $v.Major -eq 4 -and $v.Minor -ge 14 -and (-not $serverVersion -or $v.CompareTo($serverVersion) -le 0)
        } | Select-Object -Last 1
        if ($router) {
            $service = ((Invoke-OnVm $router.Name 'cat /var/cache/cloud/enabled_svcs').Text -split '\s+' | Where-Object { $_ })[0]
            # Every start and restart of that service hangs: the patch's restart, then the rollback's.
            (Invoke-OnVm $router.Name "echo hang > /var/lib/labshim/faults/$service").ExitCode | Should -Be 0
            $failed = @($router | Invoke-LivePatch -BundlePath $bundle.Path -AgentTimeoutSec 30 -Confirm:$false -HistoryPath $history @sshOptions -ErrorAction SilentlyContinue)
            (Invoke-OnVm $router.Name "rm -f /var/lib/labshim/faults/$service; systemctl restart $service").ExitCode | Should -Be 0
        }
    }

    AfterAll {
        if ($router) {
            # Whatever happened above, the lab's router is left without a fault or a mark for the test files after this one.
            Invoke-OnVm $router.Name "rm -f /var/lib/labshim/faults/$service $mark; systemctl restart $service" | Out-Null
        }
    }

    It 'starts from a live patch that ended RollbackFailed and marked the router' {
        if (-not $router) { Set-ItResult -Skipped -Because 'the test world has no running, non-redundant router on a template that can be live-patched'; return }
        $failed.Count | Should -Be 1
        "$($failed[0].Status)" | Should -Be 'RollbackFailed' -Because "$($failed[0].FailedStep): $($failed[0].Error)"
        (Invoke-OnVm $router.Name "cat $mark").Text | Should -Match ([regex]::Escape("run=$($failed[0].RunId)"))
    }

    It 'is refused by the next live patch (FailedStep Attention)' {
        if (-not $router) { Set-ItResult -Skipped -Because 'no router (see above)'; return }
        $refused = @($router | Invoke-LivePatch -BundlePath $bundle.Path -Confirm:$false -HistoryPath $history @sshOptions -ErrorAction SilentlyContinue)
        "$($refused[0].Status)" | Should -Be 'Failed'
        $refused[0].FailedStep | Should -Be 'Attention'
        $refused[0].Error | Should -Match 'Clear-SysVmAttention'
    }

    It 'with -WhatIf shows what the mark says and keeps it' {
        if (-not $router) { Set-ItResult -Skipped -Because 'no router (see above)'; return }
        $run = Get-WhatIfText { $router | Clear-SysVmAttention -WhatIf -HistoryPath $history @sshOptions }
        $run.Errors.Count | Should -Be 0
        $run.Output.Count | Should -Be 0
        $run.Text | Should -Match 'clear the attention mark'
        $run.Text | Should -Match ([regex]::Escape($failed[0].RunId))
        (Invoke-OnVm $router.Name "test -f $mark").ExitCode | Should -Be 0
        @(Get-PatchHistory -Path $history -Operation ClearAttention).Count | Should -Be 0
    }

    It 'clears the mark on the VM and records ClearAttention in the history' {
        if (-not $router) { Set-ItResult -Skipped -Because 'no router (see above)'; return }
        $cleared = @($router | Clear-SysVmAttention -Confirm:$false -PassThru -HistoryPath $history @sshOptions)
        $cleared.Count | Should -Be 1
        $cleared[0].Cleared | Should -BeTrue
        $cleared[0].Run | Should -Be $failed[0].RunId
        $cleared[0].Backup | Should -Match ([regex]::Escape("/runs/$($failed[0].RunId)/backup"))
        (Invoke-OnVm $router.Name "test -f $mark").ExitCode | Should -Not -Be 0
        $record = @(Get-PatchHistory -Path $history -RunId $cleared[0].RunId)
        $record.Count | Should -Be 1
        "$($record[0].Operation)" | Should -Be 'ClearAttention'
        $record[0].Status | Should -Be 'Cleared'
        $record[0].VmId | Should -Be $router.Id
        $record[0].StepsText | Should -Match ([regex]::Escape($failed[0].RunId))
    }

    It 'refuses to clear a VM that carries no mark (NoAttentionMark) and records nothing' {
        if (-not $router) { Set-ItResult -Skipped -Because 'no router (see above)'; return }
        $before = @(Get-PatchHistory -Path $history).Count
        $errors = $null
        $router | Clear-SysVmAttention -Confirm:$false -HistoryPath $history @sshOptions -ErrorVariable errors -ErrorAction SilentlyContinue
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NoAttentionMark,*'
        "$($errors[0].CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
        $errors[0].Exception.Message | Should -Match 'nothing to clear'
        @(Get-PatchHistory -Path $history).Count | Should -Be $before
    }

    It 'lets the next live patch patch the router' {
        if (-not $router) { Set-ItResult -Skipped -Because 'no router (see above)'; return }
        $again = @($router | Invoke-LivePatch -BundlePath $bundle.Path -Confirm:$false -HistoryPath $history @sshOptions -ErrorAction SilentlyContinue)
        "$($again[0].Status)" | Should -Be 'Patched' -Because "$($again[0].FailedStep): $($again[0].Error)"
        (Invoke-OnVm $router.Name 'cat /var/cache/cloud/cloud-scripts-signature').Text.Trim() | Should -Be $bundle.Md5
    }
}
