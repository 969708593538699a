#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Disconnect-All
}

Describe 'Compare-SysVmVersion parameters' {
    BeforeAll {
        $command = Get-Command Compare-SysVmVersion -ErrorAction Stop
    }

    It 'requires -Vm, which takes SystemVm objects by value and by property name' {
        Assert-VmPipelineParameter -Command $command
    }

    It 'declares VersionComparison as its output' {
        $command.OutputType.Name | Should -Contain 'SysVmPatch.Engine.Versions.VersionComparison'
    }

    It 'rejects -<Parameter> <Value> while binding' -ForEach @(
        @{ Parameter = 'ThrottleLimit'; Value = 0 }
        @{ Parameter = 'ThrottleLimit'; Value = 257 }
        @{ Parameter = 'TargetVersion'; Value = '' }
        @{ Parameter = 'BundlePath'; Value = '' }
    ) {
        $arguments = @{ Vm = (New-TestVm -Name r-1-VM -TemplateVersion 4.18.0); $Parameter = $Value }
        Assert-RejectedWhileBinding -Command $command -Arguments $arguments -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Compare-SysVmVersion with a target that cannot be used' {
    BeforeAll {
        $vm = New-TestVm -Name r-1-VM -TemplateVersion 4.18.0
    }

    It 'fails with InvalidTargetVersion when -TargetVersion holds no version' {
        $err = Get-TerminatingError { $vm | Compare-SysVmVersion -TargetVersion bad }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidTargetVersion,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'bad'
    }

    It 'fails with BundleNotFound when the -BundlePath folder does not exist' {
        $missing = Join-Path $TestDrive 'no-such-bundle'
        $err = Get-TerminatingError { $vm | Compare-SysVmVersion -TargetVersion 4.19.1 -BundlePath $missing }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'BundleNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match ([regex]::Escape('no-such-bundle'))
    }

    It 'fails with BundleNotFound when the folder has no cloud-scripts.tgz' {
        $empty = Join-Path $TestDrive 'empty-bundle'
        New-Item -ItemType Directory -Path $empty -Force | Out-Null
        $err = Get-TerminatingError { $vm | Compare-SysVmVersion -TargetVersion 4.19.1 -BundlePath $empty }
        $err.FullyQualifiedErrorId | Should -BeLike 'BundleNotFound,*'
        $err.Exception.Message | Should -Match 'cloud-scripts\.tgz'
    }

    It 'resolves a relative -BundlePath against the current PowerShell location' {
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'relative/vms')
        Push-Location (Join-Path $TestDrive 'relative')
        try {
            $result = $vm | Compare-SysVmVersion -TargetVersion 4.19.1 -BundlePath ./vms
        }
        finally {
            Pop-Location
        }
        $result.TargetSignature | Should -Be $bundle.Md5
    }

    It 'fails with TargetVersionUnavailable when the VM''s connection is gone and no target is given' {
        Disconnect-All
        $err = Get-TerminatingError { $vm | Compare-SysVmVersion }
        $err.FullyQualifiedErrorId | Should -BeLike 'TargetVersionUnavailable,*'
        $err.Exception.Message | Should -Match 'r-1-VM'
    }
}

Describe 'Compare-SysVmVersion decisions against a fixed target and bundle' {
    BeforeAll {
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'vms')
        $otherSignature = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
        $fleet = @(
            New-TestVm -Name r-107-VM -TemplateVersion 4.13.1 -SoftwareVersion 4.13.1 -Signature $otherSignature
            New-TestVm -Name r-108-VM -TemplateVersion 4.14.0 -SoftwareVersion 4.14.0 -Signature $otherSignature
            New-TestVm -Name r-105-VM -TemplateVersion 4.18.0 -SoftwareVersion 4.18.0 -Signature $bundle.Md5.ToUpperInvariant()
            New-TestVm -Name s-1-VM -Type SSVM -TemplateVersion 4.18.0.0
            New-TestVm -Name v-2-VM -Type CPVM -TemplateVersion 4.19.1.0
            New-TestVm -Name r-120-VM -TemplateVersion 4.20.0 -SoftwareVersion 4.20.0
            New-TestVm -Name r-130-VM -TemplateVersion UNKNOWN
        )
        $results = @($fleet | Compare-SysVmVersion -TargetVersion 4.19.1 -BundlePath $bundle.Path)
        $byName = @{}
        foreach ($r in $results) { $byName[$r.Name] = $r }
    }

    It 'emits one comparison per VM, in input order, carrying the VM on' {
        $results.Count | Should -Be $fleet.Count
        for ($i = 0; $i -lt $fleet.Count; $i++) {
            $results[$i] | Should -BeOfType ([SysVmPatch.Engine.Versions.VersionComparison])
            $results[$i].Name | Should -Be $fleet[$i].Name
            $results[$i].Vm | Should -BeOfType ([SysVmPatch.Engine.Inventory.SystemVm])
            $results[$i].Vm.Id | Should -Be $fleet[$i].Id
        }
    }

    It 'measures every VM against the target version and the bundle''s scripts MD5' {
        foreach ($r in $results) {
            $r.TargetVersion | Should -Be '4.19.1'
            $r.TargetSignature | Should -Be $bundle.Md5
        }
    }

    It '<Name> is <Status> and the advice is <Action>' -ForEach @(
        @{ Name = 'r-107-VM'; Status = 'Outdated'; Action = 'Recreate' }
        @{ Name = 'r-108-VM'; Status = 'Outdated'; Action = 'LivePatch' }
        @{ Name = 'r-105-VM'; Status = 'UpToDate'; Action = 'None' }
        @{ Name = 's-1-VM'; Status = 'Outdated'; Action = 'LivePatch' }
        @{ Name = 'v-2-VM'; Status = 'UpToDate'; Action = 'None' }
        @{ Name = 'r-120-VM'; Status = 'Newer'; Action = 'None' }
        @{ Name = 'r-130-VM'; Status = 'Unknown'; Action = 'Probe' }
    ) {
        $r = $byName[$Name]
        "$($r.Status)" | Should -Be $Status
        "$($r.RecommendedAction)" | Should -Be $Action
        $r.Reason | Should -Not -BeNullOrEmpty
    }

    It 'says why a 4.13 template cannot be live-patched' {
        $r = $byName['r-107-VM']
        $r.LivePatchSupported | Should -BeFalse
        $r.TemplateRelease | Should -Be '4.13.1'
        $r.Reason | Should -Match '4\.13'
    }

    It 'warns about remote-access VPN on a 4.14 template' {
        $r = $byName['r-108-VM']
        $r.LivePatchSupported | Should -BeTrue
        $r.SupportReason | Should -Match 'VPN'
    }

    It 'compares scripts signatures without regard to case' {
        $byName['r-105-VM'].SignatureMatches | Should -BeTrue
        $byName['r-105-VM'].CurrentSignature | Should -Be $bundle.Md5
        $byName['r-107-VM'].SignatureMatches | Should -BeFalse
    }

    It 'leaves SignatureMatches empty where CloudStack records no signature (SSVM, CPVM)' {
        $byName['s-1-VM'].SignatureMatches | Should -BeNullOrEmpty
        $byName['s-1-VM'].CurrentVersion | Should -Be '4.18.0'
    }

    It 'groups by RecommendedAction the way an operator reads the fleet' {
        $groups = @{}
        $results | Group-Object RecommendedAction | ForEach-Object { $groups[$_.Name] = $_.Count }
        $groups['LivePatch'] | Should -Be 2
        $groups['Recreate'] | Should -Be 1
        $groups['None'] | Should -Be 3
        $groups['Probe'] | Should -Be 1
    }

    It 'reads nothing from the VMs themselves' {
        foreach ($r in $results) { $r.Probed | Should -BeFalse }
    }

    It 'takes its own output back through the Vm property' {
        $again = @($results | Compare-SysVmVersion -TargetVersion 4.19.1 -BundlePath $bundle.Path)
        @($again.Name) | Should -Be @($results.Name)
        @($again | ForEach-Object { "$($_.RecommendedAction)" }) | Should -Be @($results | ForEach-Object { "$($_.RecommendedAction)" })
    }

    It 'compares by signature alone when the VM''s connection is gone and only -BundlePath is given' {
        Disconnect-All
        $r = New-TestVm -Name r-140-VM -TemplateVersion 4.18.0 -SoftwareVersion 4.18.0 -Signature $otherSignature |
            Compare-SysVmVersion -BundlePath $bundle.Path
        $r.TargetVersion | Should -BeNullOrEmpty
        "$($r.Status)" | Should -Be 'Outdated'
        "$($r.RecommendedAction)" | Should -Be 'LivePatch'
    }
}

Describe "Get-SystemVm | Compare-SysVmVersion against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        $connection = Connect-Lab -Name lab
        $vms = @(Get-SystemVm)
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'lab-vms')
    }

    AfterAll {
        Disconnect-All
    }

    It 'compares every VM, in order, against the management server''s version' {
        $vms.Count | Should -BeGreaterThan 0
        $results = @(Get-SystemVm | Compare-SysVmVersion)
        $results.Count | Should -Be $vms.Count
        @($results.Id) | Should -Be @($vms.Id)
        $serverVersion = [SysVmPatch.Engine.Versions.CloudStackVersion]::Parse($connection.Version).ToString()
        foreach ($r in $results) {
            $r.TargetVersion | Should -Be $serverVersion
            $r.Server | Should -Be 'lab'
            "$($r.RecommendedAction)" | Should -BeIn @('None', 'LivePatch', 'Recreate', 'Probe')
            $r.Reason | Should -Not -BeNullOrEmpty
        }
    }

    It 'measures routers by scripts signature against a bundle, and advises by template release' {
        $results = @($vms | Compare-SysVmVersion -BundlePath $bundle.Path)
        $results.Count | Should -Be $vms.Count
        foreach ($r in $results) {
            $r.TargetSignature | Should -Be $bundle.Md5
            if ($r.Vm.ScriptsSignature) {
                # The test bundle's content is random, so no VM can already run it: it is outdated unless it
                # claims a newer version than its management server.
                $r.SignatureMatches | Should -BeFalse
                $current = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull($r.CurrentVersion)
                $target = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull($r.TargetVersion)
                $newer = $null -ne $current -and $null -ne $target -and $current.CompareTo($target) -gt 0
                "$($r.Status)" | Should -Be $(if ($newer) { 'Newer' } else { 'Outdated' })
                $release = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull($r.Vm.TemplateVersion)
                if (-not $newer -and $null -ne $release) {
                    $tooOld = $release.Major -lt 4 -or ($release.Major -eq 4 -and $release.Minor -le 13)
                    "$($r.RecommendedAction)" | Should -Be $(if ($tooOld) { 'Recreate' } else { 'LivePatch' })
                }
            }
        }
    }

    It 'groups the fleet by RecommendedAction without losing a VM' {
        $groups = @(Get-SystemVm | Compare-SysVmVersion -BundlePath $bundle.Path | Group-Object RecommendedAction)
        ($groups | Measure-Object Count -Sum).Sum | Should -Be $vms.Count
        foreach ($g in $groups) { $g.Name | Should -BeIn @('None', 'LivePatch', 'Recreate', 'Probe') }
    }

    It 'compares VMs of two connections, each against its own server' {
        Connect-Lab -Name lab2 -NotDefault | Out-Null
        $results = @(Get-SystemVm -Server lab, lab2 | Compare-SysVmVersion)
        $results.Count | Should -Be (2 * $vms.Count)
        @($results.Server | Sort-Object -Unique) | Should -Be @('lab', 'lab2')
        Disconnect-SysVmCloud -Server lab2
    }
}

Describe "Compare-SysVmVersion -Probe against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        Connect-Lab -Name lab | Out-Null
        $lab = Get-LabState
        $running = @(Get-SystemVm -State Running)
        $warnings = $null
        $probed = @($running | Compare-SysVmVersion -Probe -KeyFile $lab.KeyFile -KnownHostsFile $lab.KnownHostsFile `
                -WarningVariable warnings -WarningAction SilentlyContinue)
    }

    AfterAll {
        Disconnect-All
    }

    It 'probes every running VM over SSH without a warning' {
        $running.Count | Should -BeGreaterThan 0
        $probed.Count | Should -Be $running.Count
        @($warnings).Count | Should -Be 0
        foreach ($r in $probed) {
            $r.ProbeError | Should -BeNullOrEmpty
            $r.Probed | Should -BeTrue
            $r.BootFinished | Should -BeTrue
        }
    }

    It 'reports the scripts signature the VM itself has, also for SSVM and CPVM' {
        if (-not $lab.PSObject.Properties['SshConfigFile'] -or -not (Get-Command ssh -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because 'the state file names no SshConfigFile, or ssh is not on the PATH'
            return
        }
        foreach ($r in $probed) {
            $r.CurrentSignature | Should -Not -BeNullOrEmpty
            $r.CurrentSignature | Should -Be (Read-VmSignature -Name $r.Name -Lab $lab) -Because "$($r.Name)'s /var/cache/cloud/cloud-scripts-signature"
        }
    }

    It 'reads the template release from the VM' {
        foreach ($r in $probed) {
            [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull($r.TemplateRelease) | Should -Not -BeNullOrEmpty
        }
    }

    It 'lists no discrepancy where the API''s router signature equals the VM''s' {
        foreach ($r in $probed | Where-Object { $_.Vm.ScriptsSignature }) {
            $agree = $r.Vm.ScriptsSignature.Trim().ToLowerInvariant() -eq $r.CurrentSignature
            @($r.Discrepancies | Where-Object { $_ -like 'scripts signature*' }).Count | Should -Be $(if ($agree) { 0 } else { 1 })
        }
    }

    It 'fails the probe of an unknown host key with a warning and ProbeError, not an error' {
        $emptyKnownHosts = Join-Path $TestDrive 'empty_known_hosts'
        Set-Content -LiteralPath $emptyKnownHosts -Value '' -NoNewline
        $warnings = $null
        $errors = $null
        $r = $running[0] | Compare-SysVmVersion -Probe -KeyFile $lab.KeyFile -KnownHostsFile $emptyKnownHosts `
            -ConnectTimeoutSec 10 -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable errors
        @($errors).Count | Should -Be 0
        $r.Probed | Should -BeFalse
        $r.ProbeError | Should -Not -BeNullOrEmpty
        (@($warnings) -join "`n") | Should -Match ([regex]::Escape($running[0].Name))
    }
}
