#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# Invoke-LivePatch as a user sees it: its parameters, binding from Get-SystemVm and Compare-SysVmVersion output, the
# bundle checks, -WhatIf (a plan, no result, no history), and VMs that cannot be reached (no link-local IP, no
# connection named 'offline'), which fail before any remote call. Against the test world: -WhatIf changes no VM's
# signature, a real patch of two routers ends Patched with history records, and a rerun finds them current.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    function Invoke-OfflinePatch {
        # Runs Invoke-LivePatch without prompts on piped VMs; returns the results, the errors, the warnings and the
        # history path.
        param(
            [Parameter(ValueFromPipeline)] $InputObject,
            [hashtable] $Arguments = @{}
        )
        begin { $items = [System.Collections.Generic.List[object]]::new() }
        process { $items.Add($InputObject) }
        end {
            $history = Join-Path $TestDrive ("history-" + [guid]::NewGuid().ToString('n') + '.jsonl')
            $errors = $null
            $warnings = $null
            $results = @($items | Invoke-LivePatch -BundlePath $bundle.Path -TargetVersion 4.19.1 @Arguments -Confirm:$false `
                    -HistoryPath $history -ErrorVariable errors -ErrorAction SilentlyContinue `
                    -WarningVariable warnings -WarningAction SilentlyContinue)
            [pscustomobject]@{ Results = $results; Errors = @($errors); Warnings = @($warnings); History = $history }
        }
    }

    $bundle = New-TestBundle -Path (Join-Path $TestDrive 'bundle')
    Disconnect-All
}

AfterAll {
    Disconnect-All
}

Describe 'Invoke-LivePatch parameters' {
    BeforeAll {
        $command = Get-Command Invoke-LivePatch -Module SysVmPatch -ErrorAction Stop
    }

    It 'takes the bundle from a folder (Bundle, the default set) or a management server (ManagementServer), or a saved plan (PlanPath, Plan)' {
        $command.DefaultParameterSet | Should -Be 'Bundle'
        @($command.ParameterSets.Name | Sort-Object) | Should -Be @('Bundle', 'ManagementServer', 'Plan', 'PlanPath')
        $command.Parameters['PlanPath'].ParameterSets['PlanPath'].IsMandatory | Should -BeTrue
        $command.Parameters['Plan'].ParameterSets['Plan'].IsMandatory | Should -BeTrue
        $command.Parameters['Plan'].ParameterType | Should -Be ([SysVmPatch.Engine.LivePatch.Plans.SavedLivePatchPlan])
        $bundlePath = $command.Parameters['BundlePath'].ParameterSets
        $bundlePath.Keys | Should -Be @('Bundle')
        $bundlePath['Bundle'].IsMandatory | Should -BeTrue
        $fromServer = $command.Parameters['FromManagementServer'].ParameterSets
        $fromServer.Keys | Should -Be @('ManagementServer')
        $fromServer['ManagementServer'].IsMandatory | Should -BeTrue
    }

    It 'refuses -BundlePath and -FromManagementServer together' {
        $err = Get-TerminatingError { New-TestVm -Name r-1-VM | Invoke-LivePatch -BundlePath $bundle.Path -FromManagementServer ms1 -WhatIf }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'AmbiguousParameterSet*'
    }

    It 'patches by one of two methods, Ssh by default' {
        $method = $command.Parameters['Method']
        $method.ParameterType | Should -Be ([SysVmPatch.Engine.LivePatch.LivePatchMethod])
        [enum]::GetNames([SysVmPatch.Engine.LivePatch.LivePatchMethod]) | Should -Be @('Ssh', 'Api')
        # The default is the property's initial value on a fresh command object.
        "$(([Activator]::CreateInstance($command.ImplementingType)).Method)" | Should -Be 'Ssh'
    }

    It 'supports -WhatIf and -Confirm and asks by default (ConfirmImpact High)' {
        Assert-AsksBeforeChanging -Command $command
    }

    It 'requires -Vm with a bundle, not with a saved plan (which names its VMs); it takes SystemVm objects by value and by property name' {
        $vm = $command.Parameters['Vm']
        $vm.ParameterType | Should -Be ([SysVmPatch.Engine.Inventory.SystemVm[]])
        foreach ($set in 'Bundle', 'ManagementServer', 'PlanPath', 'Plan') {
            $vm.ParameterSets[$set].IsMandatory | Should -Be ($set -in 'Bundle', 'ManagementServer') -Because "-Vm in the $set set"
            $vm.ParameterSets[$set].ValueFromPipeline | Should -BeTrue
            $vm.ParameterSets[$set].ValueFromPipelineByPropertyName | Should -BeTrue
        }
    }

    It 'has the patch, rollout and SSH parameters' {
        $patchParameters = @('TargetVersion', 'PreCheck', 'PostCheck', 'ReapplyRules', 'Reconcile', 'AgentTimeoutSec', 'Force')
        Assert-CommandHasParameter -Command $command -Name ($patchParameters + $RolloutAndSshParameters)
    }

    It 'declares LivePatchResult as its output' {
        $command.OutputType.Name | Should -Contain 'SysVmPatch.Engine.LivePatch.LivePatchResult'
    }

    It 'has a help page that documents every parameter' {
        Assert-HelpDocumentsEveryParameter -Command $command
    }

    It 'rejects -<Parameter> <Value> while binding' -ForEach @(
        $RolloutRejectedValues
        @{ Parameter = 'AgentTimeoutSec'; Value = 29 }
        @{ Parameter = 'TargetVersion'; Value = '' }
        @{ Parameter = 'Method'; Value = 'Scp' }
    ) {
        $arguments = @{ Vm = (New-TestVm -Name r-1-VM); BundlePath = $bundle.Path; $Parameter = $Value; WhatIf = $true }
        # A value that is no enum name fails conversion (CannotConvertArgumentNoMessage), not validation.
        $errorId = if ($Parameter -eq 'Method') { 'CannotConvertArgument*' } else { 'ParameterArgument*' }
        Assert-RejectedWhileBinding -Command $command -Arguments $arguments -ErrorId $errorId
    }
}

Describe 'Invoke-LivePatch bundle checks' {
    It 'ends with the terminating error BundleUnavailable when -BundlePath does not exist' {
        $missing = Join-Path $TestDrive 'no-such-bundle'
        $history = Join-Path $TestDrive 'missing-bundle-history.jsonl'
        $err = Get-TerminatingError {
            New-TestVm -Name r-1-VM | Invoke-LivePatch -BundlePath $missing -Confirm:$false -HistoryPath $history
        }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'BundleUnavailable,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match ([regex]::Escape('no-such-bundle'))
        Test-Path -LiteralPath $history | Should -BeFalse
    }

    It 'names the missing file of an incomplete bundle (agent.zip is needed even for routers)' {
        $half = Join-Path $TestDrive 'half-bundle'
        New-Item -ItemType Directory -Path $half -Force | Out-Null
        Copy-Item -LiteralPath (Join-Path $bundle.Path 'cloud-scripts.tgz') -Destination $half
        $err = Get-TerminatingError { New-TestVm -Name r-1-VM | Invoke-LivePatch -BundlePath $half -WhatIf }
        $err.FullyQualifiedErrorId | Should -BeLike 'BundleUnavailable,*'
        $err.Exception.Message | Should -Match 'agent\.zip'
    }
}

Describe 'Invoke-LivePatch bundle with CA certificates and a JRE (ca-certificates/, jre.tar.gz)' {
    BeforeAll {
        $extras = New-TestBundle -Path (Join-Path $TestDrive 'extras-bundle')
        Add-TestBundleCaCertificate -Path $extras.Path | Out-Null
    }

    It 'names them in the -WhatIf line of an SSVM and not of a router' {
        $run = Get-WhatIfText {
            @(New-TestVm -Name s-1-VM -Type SSVM; New-TestVm -Name r-2-VM) |
                Invoke-LivePatch -BundlePath $extras.Path -TargetVersion 4.19.1 -WhatIf -HistoryPath (Join-Path $TestDrive 'extras.jsonl')
        }
        $run.Errors.Count | Should -Be 0
        $run.Text | Should -Match 's-1-VM \(SSVM.*adds 1 CA certificate \(pester-ca\.crt\)'
        $run.Text | Should -Not -Match 'r-2-VM \(Router[^\n]*CA certificate'
    }

    It 'ends with BundleUnavailable naming <File> when it is <What>, before anything is contacted' -ForEach @(
        @{ What = 'a truncated JRE archive'; File = 'jre.tar.gz' }
        @{ What = 'not a certificate'; File = 'broken.crt' }
    ) {
        $bad = New-TestBundle -Path (Join-Path $TestDrive "bad-$File")
        if ($File -eq 'jre.tar.gz') {
            $jreSource = Join-Path $TestDrive 'jre-src/jre/bin'
            New-Item -ItemType Directory -Path $jreSource -Force | Out-Null
            Set-Content -LiteralPath (Join-Path $jreSource 'java') -Value ('x' * 5000)
            $jre = Join-Path $bad.Path 'jre.tar.gz'
            & tar -czf $jre -C (Join-Path $TestDrive 'jre-src') jre
            $bytes = [System.IO.File]::ReadAllBytes($jre)
            [System.IO.File]::WriteAllBytes($jre, $bytes[0..([int]($bytes.Length / 2))])
        }
        else {
            New-Item -ItemType Directory -Path (Join-Path $bad.Path 'ca-certificates') -Force | Out-Null
            Set-Content -LiteralPath (Join-Path $bad.Path "ca-certificates/$File") -Value 'not a certificate'
        }
        $history = Join-Path $TestDrive "bad-$File.jsonl"
        $err = Get-TerminatingError { New-TestVm -Name s-1-VM -Type SSVM | Invoke-LivePatch -BundlePath $bad.Path -Confirm:$false -HistoryPath $history }
        $err.FullyQualifiedErrorId | Should -BeLike 'BundleUnavailable,*'
        $err.Exception.Message | Should -Match ([regex]::Escape($File))
        Test-Path -LiteralPath $history | Should -BeFalse
    }
}

Describe 'Invoke-LivePatch -SshOption' {
    It 'refuses <Key> with the terminating error InvalidSshOption before contacting anything' -ForEach @(
        @{ Key = 'BatchMode'; Value = 'no'; Why = 'sets it itself' }
        @{ Key = 'ProxyCommand'; Value = 'nc %h %p'; Why = 'only options that tune the connection' }
    ) {
        $history = Join-Path $TestDrive 'ssh-option-history.jsonl'
        $err = Get-TerminatingError {
            New-TestVm -Name r-1-VM | Invoke-LivePatch -BundlePath $bundle.Path -TargetVersion 4.19.1 -SshOption @{ $Key = $Value } `
                -Confirm:$false -HistoryPath $history
        }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidSshOption,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match $Key
        $err.Exception.Message | Should -Match $Why
        Test-Path -LiteralPath $history | Should -BeFalse
    }

    It 'accepts an ssh_config option with a list value and still plans with -WhatIf' {
        $run = Get-WhatIfText {
            New-TestVm -Name r-2-VM | Invoke-LivePatch -BundlePath $bundle.Path -TargetVersion 4.19.1 -WhatIf `
                -SshOption @{ KexAlgorithms = 'curve25519-sha256', 'sntrup761x25519-sha512@openssh.com' }
        }
        $run.Errors.Count | Should -Be 0
        $run.Text | Should -Match 'r-2-VM'
    }
}

Describe 'Invoke-LivePatch -WhatIf on hand-built VMs' {
    BeforeAll {
        $history = Join-Path $TestDrive 'whatif-history.jsonl'
        $vms = @(
            New-TestVm -Name s-1-VM -Type SSVM
            New-TestVm -Name r-2-VM
            New-TestVm -Name r-3-VM -TemplateVersion 4.13.1
            New-TestVm -Name r-4-VM -Signature $bundle.Md5
        )
        $run = Get-WhatIfText {
            $vms | Invoke-LivePatch -BundlePath $bundle.Path -TargetVersion 4.19.1 -WhatIf -HistoryPath $history
        }
    }

    It 'returns no objects, writes no error and no history' {
        $run.Output.Count | Should -Be 0
        $run.Errors.Count | Should -Be 0
        Test-Path -LiteralPath $history | Should -BeFalse
    }

    It 'prints the plan and one live-patch line per VM to patch' {
        $run.Text | Should -Match 'What if: live-patch 2 system VMs'
        $run.Text | Should -Match ([regex]::Escape($bundle.Md5.Substring(0, 8)))
        $run.Text | Should -Match '1 already current'
        $run.Text | Should -Match '1 needs recreate \(4\.13\.1\)'
        $run.Text | Should -Match 'batch 1: s-1-VM \(SSVM.* live-patch from 4\.18\.0'
        $run.Text | Should -Match 'batch 1: r-2-VM \(Router.* live-patch from 4\.18\.0'
        $run.Text | Should -Not -Match '"r-3-VM'
        $run.Text | Should -Not -Match '"r-4-VM'
    }

    It 'with -Force still changes nothing (-Force skips prompts, not -WhatIf)' {
        $forced = Join-Path $TestDrive 'whatif-force-history.jsonl'
        $out = Get-WhatIfText { New-TestVm -Name r-5-VM | Invoke-LivePatch -BundlePath $bundle.Path -WhatIf -Force -HistoryPath $forced }
        $out.Output.Count | Should -Be 0
        $out.Text | Should -Match 'live-patch'
        Test-Path -LiteralPath $forced | Should -BeFalse
    }
}

Describe 'Invoke-LivePatch on VMs that cannot be reached' {
    Context 'piped from Get-SystemVm-shaped objects' {
        BeforeAll {
            $vms = @(New-TestVm -Name r-1-VM; New-TestVm -Name s-2-VM -Type SSVM)
            $run = $vms | Invoke-OfflinePatch
        }

        It 'returns one Failed result per VM at Connect, in one run' {
            $run.Results.Count | Should -Be 2
            @($run.Results.VmId | Sort-Object) | Should -Be @($vms.Id | Sort-Object)
            foreach ($r in $run.Results) {
                $r | Should -BeOfType ([SysVmPatch.Engine.LivePatch.LivePatchResult])
                "$($r.Status)" | Should -Be 'Failed'
                $r.FailedStep | Should -Be 'Connect'
                $r.Error | Should -Match 'link-local'
                $r.ToSignature | Should -Be $r.FromSignature
                $r.RunId | Should -Be $run.Results[0].RunId
            }
            $run.Results[0].RunId | Should -Not -BeNullOrEmpty
        }

        It 'writes a non-terminating PatchFailed error per VM, targeting its result' {
            $run.Errors.Count | Should -Be 2
            foreach ($e in $run.Errors) {
                $e.FullyQualifiedErrorId | Should -BeLike 'PatchFailed,*'
                $e.CategoryInfo.Category | Should -Be 'OperationStopped'
                $e.TargetObject | Should -BeOfType ([SysVmPatch.Engine.LivePatch.LivePatchResult])
                $e.Exception.Message | Should -Match ([regex]::Escape($e.TargetObject.VmName))
            }
        }

        It 'records each VM in the history under the run id' {
            $records = @(Get-PatchHistory -Path $run.History -RunId $run.Results[0].RunId)
            $records.Count | Should -Be 2
            @($records.VmId | Sort-Object) | Should -Be @($vms.Id | Sort-Object)
            foreach ($record in $records) {
                "$($record.Operation)" | Should -Be 'LivePatch'
                $record.Status | Should -Be 'Failed'
                $record.FailedStep | Should -Be 'Connect'
            }
        }

        It 'warns at the end how many VMs were not patched, naming the run' {
            ($run.Warnings -join "`n") | Should -Match '2 of 2 VMs not patched'
            ($run.Warnings -join "`n") | Should -Match ([regex]::Escape($run.Results[0].RunId))
        }
    }

    It 'binds Compare-SysVmVersion output through its Vm property' {
        $vms = @(New-TestVm -Name r-3-VM; New-TestVm -Name r-4-VM)
        $comparisons = @($vms | Compare-SysVmVersion -TargetVersion 4.19.1)
        $run = $comparisons | Invoke-OfflinePatch
        @($run.Results.VmId | Sort-Object) | Should -Be @($vms.Id | Sort-Object)
    }

    It 'skips, without an error, what the plan rules out: <Why>' -ForEach @(
        @{ Why = 'Recreate'; TemplateVersion = '4.13.1'; State = 'Running' }
        @{ Why = 'Downgrade'; TemplateVersion = '4.20.0'; State = 'Running' }
        @{ Why = 'NotRunning'; TemplateVersion = '4.18.0'; State = 'Stopped' }
    ) {
        $run = New-TestVm -Name r-9-VM -TemplateVersion $TemplateVersion -State $State | Invoke-OfflinePatch
        $run.Results.Count | Should -Be 1
        "$($run.Results[0].Status)" | Should -Be 'Skipped'
        $run.Results[0].FailedStep | Should -Be $Why
        $run.Errors.Count | Should -Be 0
        (Get-PatchHistory -Path $run.History -RunId $run.Results[0].RunId).Status | Should -Be 'Skipped'
    }

    It 'reports a VM whose record already shows the bundle signature AlreadyCurrent, and patches it with -Force' {
        $current = New-TestVm -Name r-10-VM -Signature $bundle.Md5
        $run = $current | Invoke-OfflinePatch
        "$($run.Results[0].Status)" | Should -Be 'AlreadyCurrent'
        $run.Errors.Count | Should -Be 0
        $forced = $current | Invoke-OfflinePatch -Arguments @{ Force = $true }
        "$($forced.Results[0].Status)" | Should -Be 'Failed'
        $forced.Results[0].FailedStep | Should -Be 'Connect'
    }

    It 'with -Method Api fails a VM whose management server is not connected' {
        $run = New-TestVm -Name s-11-VM -Type SSVM | Invoke-OfflinePatch -Arguments @{ Method = 'Api' }
        "$($run.Results[0].Status)" | Should -Be 'Failed'
        $run.Results[0].Error | Should -Match "not connected to 'offline'"
        $run.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PatchFailed,*'
    }

    It 'puts the BACKUP of a redundant pair first and does not start the PRIMARY after it failed' {
        $primary = New-TestVm -Name r-7-VM -NetworkId n7 -RedundantState PRIMARY
        $backup = New-TestVm -Name r-8-VM -NetworkId n7 -RedundantState BACKUP
        $run = @($primary, $backup) | Invoke-OfflinePatch -Arguments @{ BatchSize = 10 }
        $byName = @{}
        foreach ($r in $run.Results) { $byName[$r.VmName] = $r }
        $byName['r-8-VM'].Batch | Should -Be 1
        "$($byName['r-8-VM'].Status)" | Should -Be 'Failed'
        $byName['r-7-VM'].Batch | Should -BeGreaterThan 1
        "$($byName['r-7-VM'].Status)" | Should -Be 'Skipped'
        $byName['r-7-VM'].FailedStep | Should -Be 'PartnerFailed'
    }

    It 'starts no further batch once more than -MaxFailures VMs failed' {
        $vms = @(1..3 | ForEach-Object { New-TestVm -Name "r-2$_-VM" })
        $run = $vms | Invoke-OfflinePatch -Arguments @{ BatchSize = 1; MaxFailures = 0 }
        $run.Results.Count | Should -Be 3
        @($run.Results | Where-Object { "$($_.Status)" -eq 'Failed' }).Count | Should -Be 1
        @($run.Results | Where-Object { "$($_.Status)" -eq 'Skipped' -and $_.FailedStep -eq 'Stopped' }).Count | Should -Be 2
    }
}

Describe "Invoke-LivePatch against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        Connect-Lab -Name lab | Out-Null
        $lab = Get-LabState
        $sshOptions = @{ KeyFile = $lab.KeyFile; KnownHostsFile = $lab.KnownHostsFile }

        function Test-Patchable {
            # A router the bundle may patch: 4.14 or newer (older ones are skipped as Recreate) and not newer than
            # the management server's version (else skipped as Downgrade).
            param($Vm, $ServerVersion)
            $v = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull($Vm.TemplateVersion)
            if (-not $v -or $v.Major -ne 4 -or $v.Minor -lt 14) { return $false }
            -not $ServerVersion -or $v.CompareTo($ServerVersion) -le 0
        }

        $serverVersion = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull((Get-SysVmCloud | Where-Object Name -eq 'lab').Version)
        $labBundle = New-TestBundle -Path (Join-Path $TestDrive 'lab-bundle')
    }

    AfterAll {
        Disconnect-All
    }

    It 'with -WhatIf leaves every VM''s signature unchanged and writes no history' {
        if (-not $lab.PSObject.Properties['SshConfigFile']) { Set-ItResult -Skipped -Because 'the state file names no SshConfigFile'; return }
        $running = @(Get-SystemVm -State Running)
        $running.Count | Should -BeGreaterThan 0
        $before = @{}
        foreach ($vm in $running) { $before[$vm.Name] = Read-VmSignature -Name $vm.Name }
        $history = Join-Path $TestDrive 'lab-whatif.jsonl'
        $run = Get-WhatIfText {
            $running | Invoke-LivePatch -BundlePath $labBundle.Path -WhatIf -HistoryPath $history @sshOptions
        }
        $run.Output.Count | Should -Be 0
        $run.Errors.Count | Should -Be 0
        $run.Text | Should -Match 'live-patch'
        Test-Path -LiteralPath $history | Should -BeFalse
        foreach ($vm in $running) { Read-VmSignature -Name $vm.Name | Should -Be $before[$vm.Name] -Because $vm.Name }
    }

    Context 'a real patch of two routers' {
        BeforeAll {
            $routers = @(Get-SystemVm -Type Router -State Running | Where-Object { -not $_.IsRedundant -and (Test-Patchable $_ $serverVersion) } |
                    Select-Object -First 2)
            $history = Join-Path $TestDrive 'lab-patch.jsonl'
            if ($routers.Count -eq 2) {
                # Failures stay non-terminating, so the assertions below can name each VM's failed step.
                $results = @($routers | Invoke-LivePatch -BundlePath $labBundle.Path -Confirm:$false -HistoryPath $history @sshOptions -ErrorAction SilentlyContinue)
            }
        }

        It 'patches both: Patched, one run id, the bundle''s signature on each VM' {
            if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'the test world has fewer than two running, non-redundant routers on a template that can be live-patched'; return }
            $results.Count | Should -Be 2
            @($results.VmId | Sort-Object) | Should -Be @($routers.Id | Sort-Object)
            $runId = $results[0].RunId
            foreach ($r in $results) {
                "$($r.Status)" | Should -Be 'Patched' -Because "$($r.VmName): $($r.FailedStep) $($r.Error)"
                $r.RunId | Should -Be $runId
                $r.ToSignature | Should -Be $labBundle.Md5
                $r.Error | Should -BeNullOrEmpty
                ($r.Steps -join "`n") | Should -Match 'checksums verified'
                if ($lab.PSObject.Properties['SshConfigFile']) { Read-VmSignature -Name $r.VmName | Should -Be $labBundle.Md5 }
            }
        }

        It 'records both in the history under that run id' {
            if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'no patch ran (see above)'; return }
            $records = @(Get-PatchHistory -Path $history -RunId $results[0].RunId)
            $records.Count | Should -Be 2
            @($records.VmId | Sort-Object) | Should -Be @($routers.Id | Sort-Object)
            foreach ($record in $records) {
                "$($record.Operation)" | Should -Be 'LivePatch'
                $record.Status | Should -Be 'Patched'
                $record.ToSignature | Should -Be $labBundle.Md5
            }
        }

        It 'reports both AlreadyCurrent on a rerun and changes nothing' {
            if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'no patch ran (see above)'; return }
            # CloudStack's scriptsversion stays stale after an SSH patch, so the plan may pick the routers again;
            # their preflight then reads the bundle's signature on the VM and reports them AlreadyCurrent.
            $againErrors = $null
            $again = @(Get-SystemVm -Id $routers.Id | Invoke-LivePatch -BundlePath $labBundle.Path -Confirm:$false -HistoryPath $history @sshOptions `
                    -ErrorVariable againErrors -ErrorAction SilentlyContinue)
            @($againErrors).Count | Should -Be 0
            $again.Count | Should -Be 2
            foreach ($r in $again) {
                "$($r.Status)" | Should -Be 'AlreadyCurrent' -Because "$($r.VmName): $($r.FailedStep) $($r.Error)"
                $r.RunId | Should -Not -Be $results[0].RunId
                ($r.Steps -join "`n") | Should -Not -Match 'upload ok'
            }
        }
    }

    Context 'an SSVM patched with a bundle that carries a CA certificate' {
        BeforeAll {
            $ssvm = Get-SystemVm -Type SSVM -State Running | Where-Object { Test-Patchable $_ $serverVersion } | Select-Object -First 1
            $caBundle = New-TestBundle -Path (Join-Path $TestDrive 'ca-bundle')
            $pemLine = Add-TestBundleCaCertificate -Path $caBundle.Path
            if ($ssvm -and $lab.PSObject.Properties['SshConfigFile']) {
                $caResult = $ssvm | Invoke-LivePatch -BundlePath $caBundle.Path -Confirm:$false -HistoryPath (Join-Path $TestDrive 'ca.jsonl') @sshOptions -ErrorAction SilentlyContinue
            }
        }

        It 'is Patched and the VM trusts the certificate (system bundle and the JRE''s cacerts)' {
            if (-not $ssvm) { Set-ItResult -Skipped -Because 'the test world has no running SSVM on a template that can be live-patched'; return }
            if (-not $lab.PSObject.Properties['SshConfigFile']) { Set-ItResult -Skipped -Because 'the state file names no SshConfigFile'; return }
            "$($caResult.Status)" | Should -Be 'Patched' -Because "$($caResult.FailedStep) $($caResult.Error)"
            $trusted = & ssh -F $lab.SshConfigFile -o BatchMode=yes $ssvm.Name 'cat /etc/ssl/certs/ca-certificates.crt'
            $LASTEXITCODE | Should -Be 0
            ($trusted -join "`n") | Should -Match ([regex]::Escape($pemLine))
            & ssh -F $lab.SshConfigFile -o BatchMode=yes $ssvm.Name 'keytool -list -cacerts -storepass changeit -alias sysvmpatch-pester-ca >/dev/null || keytool -list -cacerts -storepass changeit | grep -qi pester-ca'
            $LASTEXITCODE | Should -Be 0 -Because 'the JRE''s cacerts holds the certificate'
        }
    }

    Context 'CloudStack agrees afterwards, and a host with other files never overwrites the patch' {
        BeforeAll {
            $router = Get-SystemVm -Type Router -State Running | Where-Object { -not $_.IsRedundant -and (Test-Patchable $_ $serverVersion) } | Select-Object -First 1
            $ours = New-TestBundle -Path (Join-Path $TestDrive 'reconcile-bundle')
            $other = New-TestBundle -Path (Join-Path $TestDrive 'other-package')
            function Set-HostPackage {
                # What an admin's package upgrade does: the files land in the host's own /usr/share/cloudstack-common/vms.
                param([string] $HostName, [string] $From)
                $target = "${HostName}:/usr/share/cloudstack-common/vms/"
                & scp -F $lab.SshConfigFile -q (Join-Path $From 'agent.zip') (Join-Path $From 'cloud-scripts.tgz') $target
                if ($LASTEXITCODE -ne 0) { throw "scp to $target failed with exit code $LASTEXITCODE" }
            }
            $history = Join-Path $TestDrive 'lab-reconcile.jsonl'
            $skip = if (-not $router) { 'the test world has no running, non-redundant router that can be live-patched' }
                elseif (-not $lab.PSObject.Properties['SshConfigFile']) { 'the state file names no SshConfigFile' }
            if (-not $skip) { Set-HostPackage -HostName $router.HostName -From $other.Path }
        }

        AfterAll {
            # Leave the host without a package again, as the rest of the suite expects.
            if ($router -and $lab.PSObject.Properties['SshConfigFile']) {
                & ssh -F $lab.SshConfigFile $router.HostName 'rm -f /usr/share/cloudstack-common/vms/agent.zip /usr/share/cloudstack-common/vms/cloud-scripts.tgz' 2>$null
            }
        }

        It 'patches, refuses the restart that would copy the host''s other files, and says why the records stay stale' {
            if ($skip) { Set-ItResult -Skipped -Because $skip; return }
            $r = $router | Invoke-LivePatch -BundlePath $ours.Path -Confirm:$false -HistoryPath $history @sshOptions -WarningVariable w -WarningAction SilentlyContinue
            "$($r.Status)" | Should -BeIn @('Patched') -Because "$($r.FailedStep) $($r.Error)"
            "$($r.Reconcile)" | Should -Be 'RefusedHostFilesDiffer'
            $r.ReconcileMessage | Should -Match 'upgrade cloudstack-common'
            $r.ReconcileMessage | Should -Match $other.Md5
            ($w -join "`n") | Should -Match 'RefusedHostFilesDiffer'
            Read-VmSignature -Name $router.Name | Should -Be $ours.Md5
            ((Get-PatchHistory -Path $history -Last 1).Steps -join "`n") | Should -Match 'reconcile RefusedHostFilesDiffer'
        }

        It '-Probe then reports the records stale and that the host does not hold the bundle' {
            if ($skip) { Set-ItResult -Skipped -Because $skip; return }
            $c = Get-SystemVm -Id $router.Id | Compare-SysVmVersion -BundlePath $ours.Path -Probe @sshOptions
            $c.RecordsStale | Should -BeTrue
            $c.RunningSignature | Should -Be $ours.Md5
            $c.HostScriptsMd5 | Should -Be $other.Md5
            $c.HostHoldsBundle | Should -BeFalse
            (Get-SystemVm -Id $router.Id).Health | Should -Match 'router_version_check'
        }

        It 'reconciles on the next run once the host holds the bundle, and -Probe agrees' {
            if ($skip) { Set-ItResult -Skipped -Because $skip; return }
            Set-HostPackage -HostName $router.HostName -From $ours.Path
            $r = Get-SystemVm -Id $router.Id | Invoke-LivePatch -BundlePath $ours.Path -Confirm:$false -HistoryPath $history @sshOptions
            "$($r.Status)" | Should -Be 'AlreadyCurrent'
            "$($r.Reconcile)" | Should -Be 'Reconciled' -Because $r.ReconcileMessage
            $after = Get-SystemVm -Id $router.Id
            $after.ScriptsSignature | Should -Be $ours.Md5
            $after.Health | Should -Be 'ok'
            (Get-SystemVm -Id $router.Id | Compare-SysVmVersion -BundlePath $ours.Path -Probe @sshOptions).RecordsStale | Should -BeFalse
            Read-VmSignature -Name $router.Name | Should -Be $ours.Md5
        }
    }
}
