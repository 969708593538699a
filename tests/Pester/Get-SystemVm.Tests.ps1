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

Describe 'Get-SystemVm parameters' {
    BeforeAll {
        $command = Get-Command Get-SystemVm -ErrorAction Stop
        $parameterOf = { param($name) $command.Parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } }
    }

    It 'needs no parameter' {
        @($command.Parameters.Values | Where-Object { (& $parameterOf $_.Name).Mandatory -contains $true }).Count | Should -Be 0
    }

    It 'takes -Name first by position' {
        (& $parameterOf 'Name').Position | Should -Be 0
    }

    It '-<Parameter> is also -<Alias> and binds from piped objects by property name' -ForEach @(
        @{ Parameter = 'Name'; Alias = 'VmName' }
        @{ Parameter = 'Id'; Alias = 'VmId' }
        @{ Parameter = 'Zone'; Alias = 'ZoneName' }
        @{ Parameter = 'Zone'; Alias = 'ZoneId' }
        @{ Parameter = 'HostName'; Alias = 'HostId' }
    ) {
        $command.Parameters[$Parameter].Aliases | Should -Contain $Alias
        (& $parameterOf $Parameter).ValueFromPipelineByPropertyName | Should -Contain $true
    }

    It '-<_> accepts wildcards' -ForEach @('Name', 'Zone', 'State', 'HostName', 'Version') {
        $command.Parameters[$_].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] } |
            Should -Not -BeNullOrEmpty
    }

    It '-Type takes SSVM, CPVM and Router' {
        $type = $command.Parameters['Type'].ParameterType
        $type.IsArray | Should -BeTrue
        [enum]::GetNames($type.GetElementType()) | Sort-Object | Should -Be @('CPVM', 'Router', 'SSVM')
    }

    It 'refuses a -Type that does not exist while binding, before any request' {
        { Get-SystemVm -Type Hypervisor } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException])
    }

    It 'declares SystemVm as its output' {
        $command.OutputType.Name | Should -Contain 'SysVmPatch.Engine.Inventory.SystemVm'
    }
}

Describe 'Get-SystemVm without a connection' {
    BeforeEach {
        Disconnect-All
    }

    It 'fails with NotConnected and says to connect first' {
        $err = Get-TerminatingError { Get-SystemVm }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        "$err" | Should -Match 'Use Connect-SysVmCloud\.$'
    }

    It 'fails with NotConnected naming a -Server that does not exist' {
        $err = Get-TerminatingError { Get-SystemVm -Server nosuchserver }
        $err.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        $err.Exception.Message | Should -Match 'nosuchserver'
    }
}

Describe "Get-SystemVm against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        Connect-Lab -Name lab | Out-Null
        $all = @(Get-SystemVm)
        $sample = $all | Select-Object -First 1
    }

    AfterAll {
        Disconnect-All
    }

    It 'finds system VMs, each with a name, an id, a type and its connection' {
        $all.Count | Should -BeGreaterThan 0
        foreach ($vm in $all) {
            $vm | Should -BeOfType ([SysVmPatch.Engine.Inventory.SystemVm])
            $vm.Name | Should -Not -BeNullOrEmpty
            $vm.Id | Should -Not -BeNullOrEmpty
            $vm.Server | Should -Be 'lab'
        }
        @($all.Id | Sort-Object -Unique).Count | Should -Be $all.Count
    }

    It 'shows the default table view with the upgrade columns' {
        $table = $all | Format-Table | Out-String -Width 250   # wide enough for every column, whatever the terminal
        $table | Should -Match 'RequiresUpgrade'
        $table | Should -Match 'Software'
        $table | Should -Not -Match 'LinkLocalIp'   # the view, not the default list of every property
    }

    It 'lists only <_> VMs with -Type <_>' -ForEach @('SSVM', 'CPVM', 'Router') {
        $type = $_
        $typed = @(Get-SystemVm -Type $type)
        $typed.Count | Should -Be @($all | Where-Object { "$($_.Type)" -eq $type }).Count
        foreach ($vm in $typed) { "$($vm.Type)" | Should -Be $type }
    }

    It 'finds one VM by exact name, by wildcard and by id' {
        @(Get-SystemVm -Name $sample.Name).Id | Should -Be @($sample.Id)
        @(Get-SystemVm -Name $sample.Name.ToUpperInvariant()).Id | Should -Be @($sample.Id)
        @(Get-SystemVm -Id $sample.Id).Name | Should -Be @($sample.Name)
        $pattern = $sample.Name.Substring(0, 1) + '*'
        $matching = @(Get-SystemVm -Name $pattern)
        $matching.Id | Should -Contain $sample.Id
        $matching.Count | Should -Be @($all | Where-Object Name -like $pattern).Count
    }

    It 'filters by zone name and by zone id alike' {
        $inZone = @($all | Where-Object ZoneId -eq $sample.ZoneId)
        @(Get-SystemVm -Zone $sample.ZoneName).Count | Should -Be $inZone.Count
        @(Get-SystemVm -Zone $sample.ZoneId).Count | Should -Be $inZone.Count
    }

    It 'filters by state, host and version' {
        @(Get-SystemVm -State $sample.State).Count | Should -Be @($all | Where-Object State -eq $sample.State).Count
        if ($sample.HostName) {
            @(Get-SystemVm -HostName $sample.HostName).Count | Should -Be @($all | Where-Object HostName -eq $sample.HostName).Count
        }
        if ($sample.TemplateVersion) {
            $expected = @($all | Where-Object { $_.TemplateVersion -eq $sample.TemplateVersion -or $_.SoftwareVersion -eq $sample.TemplateVersion })
            @(Get-SystemVm -Version $sample.TemplateVersion).Count | Should -Be $expected.Count
        }
    }

    It 'combines filters with AND' {
        $expected = @($all | Where-Object { $_.Type -eq $sample.Type -and $_.ZoneName -eq $sample.ZoneName })
        @(Get-SystemVm -Type $sample.Type -Zone $sample.ZoneName).Count | Should -Be $expected.Count
        @(Get-SystemVm -Name $sample.Name -Zone 'no-such-zone').Count | Should -Be 0
    }

    It 'emits nothing, and no error, when nothing matches' {
        $errors = $null
        $none = @(Get-SystemVm -Name 'no-such-vm-*' -ErrorVariable errors)
        $none.Count | Should -Be 0
        @($errors).Count | Should -Be 0
    }

    It 'binds VM names from piped objects (VmName)' {
        $found = @([pscustomobject]@{ VmName = $sample.Name } | Get-SystemVm)
        $found.Id | Should -Be @($sample.Id)
    }
}

Describe "Get-SystemVm -Server with two connections$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        # The same fake management server, connected twice under two names, stands for two management servers.
        Connect-Lab -Name dc1 | Out-Null
        Connect-Lab -Name dc2 | Out-Null
        $fromDc1 = @(Get-SystemVm -Server dc1)
    }

    AfterAll {
        Disconnect-All
    }

    It 'reads the default connection (the latest) without -Server' {
        $default = @(Get-SystemVm)
        $default.Count | Should -Be $fromDc1.Count
        @($default.Server | Sort-Object -Unique) | Should -Be @('dc2')
    }

    It 'reads every named connection and tags each VM with its connection' {
        $both = @(Get-SystemVm -Server dc1, dc2)
        $both.Count | Should -Be (2 * $fromDc1.Count)
        $groups = $both | Group-Object Server
        @($groups.Name | Sort-Object) | Should -Be @('dc1', 'dc2')
        foreach ($g in $groups) { $g.Count | Should -Be $fromDc1.Count }
    }

    It 'reads a connection named twice only once' {
        @(Get-SystemVm -Server dc1, DC1).Count | Should -Be $fromDc1.Count
    }

    It 'fails with NotConnected for an unknown -Server and names the connected ones' {
        $err = Get-TerminatingError { Get-SystemVm -Server dc1, dc3 }
        $err.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        $err.Exception.Message | Should -Match 'dc3'
        $err.Exception.Message | Should -Match 'dc1'
    }

    It 'no longer reads a connection once it is disconnected' {
        Connect-Lab -Name dc9 -NotDefault | Out-Null
        @(Get-SystemVm -Server dc9).Count | Should -Be $fromDc1.Count
        Disconnect-SysVmCloud -Server dc9
        $err = Get-TerminatingError { Get-SystemVm -Server dc9 }
        $err.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
    }
}
