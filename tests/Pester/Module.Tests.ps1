#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $manifestData = Import-PowerShellDataFile -LiteralPath $ManifestPath
    $exportedCmdlets = @($manifestData.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
    $helpFile = Join-Path $ModuleBin 'en-US/SysVmPatch.dll-Help.xml'
    $helpSkipReason = if (Test-Path -LiteralPath $helpFile) { $null } else { "help not built: $helpFile is missing (install platyPS, then ./build.ps1)" }
    # Pester 5 prints skipped tests but not why; the reason goes into the test's name.
    $helpNote = if ($helpSkipReason) { " - skipped, $helpSkipReason" } else { '' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $manifestData = Import-PowerShellDataFile -LiteralPath $ManifestPath
}

Describe 'The SysVmPatch manifest' {
    It 'is a valid module manifest' {
        $manifest = Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop
        $manifest.Name | Should -Be 'SysVmPatch'
        $manifest.Version | Should -Be ([version]$manifestData.ModuleVersion)
    }

    It 'declares both editions and PowerShell 5.1' {
        $manifestData.CompatiblePSEditions | Should -Contain 'Desktop'
        $manifestData.CompatiblePSEditions | Should -Contain 'Core'
        [version]$manifestData.PowerShellVersion | Should -Be ([version]'5.1')
    }

    It 'names its license, project and release notes, and the repository holds the license it names' {
        $psData = $manifestData.PrivateData.PSData
        $psData.LicenseUri | Should -Match 'LICENSE-2\.0$'
        ([uri]$psData.ProjectUri).IsAbsoluteUri | Should -BeTrue
        $psData.ReleaseNotes | Should -Match ([regex]::Escape($manifestData.ModuleVersion))
        Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'LICENSE') | Should -Match 'Apache License\s+Version 2\.0, January 2004'
        Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'CHANGELOG.md') | Should -Match "(?m)^## $([regex]::Escape($manifestData.ModuleVersion))\b"
    }

    It 'exports no functions, variables or aliases, only cmdlets' {
        @($manifestData.FunctionsToExport).Count | Should -Be 0
        @($manifestData.VariablesToExport).Count | Should -Be 0
        @($manifestData.AliasesToExport).Count | Should -Be 0
        @($manifestData.CmdletsToExport).Count | Should -BeGreaterThan 0
    }
}

Describe 'The loaded module' {
    It 'is loaded from this repository' {
        $module = Get-Module SysVmPatch
        $module | Should -Not -BeNullOrEmpty
        $module.ModuleBase | Should -Be $RepoRoot
    }

    It 'runs in this edition (<_>)' -ForEach @($PSEdition) {
        $manifestData.CompatiblePSEditions | Should -Contain $_
    }

    It 'is built for .NET Standard 2.0, so one dll loads in Windows PowerShell 5.1 and PowerShell 7' {
        $assembly = (Get-Command Get-SystemVm -Module SysVmPatch).ImplementingType.Assembly
        $assembly | Should -Not -BeNullOrEmpty
        $framework = $assembly.GetCustomAttributes([System.Runtime.Versioning.TargetFrameworkAttribute], $false) |
            Select-Object -First 1
        $framework.FrameworkName | Should -Be '.NETStandard,Version=v2.0'
    }

    It 'does not ship its own System.Management.Automation.dll' {
        @(Get-ChildItem -LiteralPath $ModuleBin -Recurse -Filter 'System.Management.Automation.dll').Count | Should -Be 0
    }

    It 'keeps the engine and SSH.NET in Dependencies/<_>, where only its loader looks, and loads them from there' -ForEach @($PSEdition) {
        @(Get-ChildItem -LiteralPath $ModuleBin -Filter '*.dll' | ForEach-Object Name | Sort-Object) |
            Should -Be @('SysVmPatch.dll', 'SysVmPatch.LoadContext.dll', 'SysVmPatch.Loader.dll')
        # The loader first: the cmdlets' types need the engine's resolver; the DSC resource's script module after it.
        @((Get-Module SysVmPatch).NestedModules | ForEach-Object Name) | Should -Be @('SysVmPatch.Loader', 'SysVmPatch.Dsc')
        $engine = [SysVmPatch.Engine.Inventory.SystemVm].Assembly
        $engine.Location | Should -Be ([System.IO.Path]::GetFullPath([System.IO.Path]::Combine($ModuleBin, 'Dependencies', $_, 'SysVmPatch.Engine.dll')))
        # PowerShell 7 runs the net8.0 engine (SSH.NET's AES-GCM native), Windows PowerShell the netstandard2.0 one.
        $framework = $engine.GetCustomAttributes([System.Runtime.Versioning.TargetFrameworkAttribute], $false) | Select-Object -First 1
        $framework.FrameworkName | Should -Be @{ Core = '.NETCoreApp,Version=v8.0'; Desktop = '.NETStandard,Version=v2.0' }[$_]
        if ($_ -eq 'Core') {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine).Name | Should -Be 'SysVmPatch'
            # The engine's types are found by name ([SysVmPatch.Engine...]); SSH.NET's are not, they stay inside the module.
            'Renci.SshNet.SshClient' -as [type] | Should -BeNullOrEmpty
        }
    }

    It 'exports exactly the cmdlets its manifest names' {
        $loaded = @(Get-Command -Module SysVmPatch -CommandType Cmdlet | ForEach-Object Name | Sort-Object)
        $loaded | Should -Be @($manifestData.CmdletsToExport | Sort-Object)
    }

    It 'has a table view for <_>' -ForEach @('SysVmPatch.Engine.Inventory.SystemVm', 'SysVmPatch.Engine.Versions.VersionComparison') {
        Get-FormatData -TypeName $_ | Should -Not -BeNullOrEmpty
    }
}

Describe '<Name>' -ForEach $exportedCmdlets {
    It 'is exported' {
        Get-Command -Name $Name -Module SysVmPatch -CommandType Cmdlet -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty
    }

    It 'uses an approved verb' {
        (Get-Verb).Verb | Should -Contain ($Name -split '-')[0]
    }

    It 'has a help page with at least one example and every parameter in docs/help' {
        $page = Join-Path $RepoRoot "docs/help/$Name.md"
        $page | Should -Exist
        $text = Get-Content -Raw -LiteralPath $page
        $text | Should -Match '(?m)^### Example 1'
        $command = Get-Command -Name $Name -Module SysVmPatch -ErrorAction Stop
        $common = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
        foreach ($parameter in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $text | Should -Match "(?m)^### -$parameter\r?$" -Because "docs/help/$Name.md should describe -$parameter"
        }
    }

    It "shows a synopsis and at least one example in Get-Help -Full$helpNote" -Skip:($null -ne $helpSkipReason) {
        $help = Get-Help -Name $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "$Name *"   # PowerShell's stand-in when there is no help is the syntax
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        $help.Examples.Example[0].Code | Should -Match $Name
    }
}
