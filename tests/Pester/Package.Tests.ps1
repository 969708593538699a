#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# The package as a PowerShell user gets it: ./build.ps1 -Task Package writes a folder, Publish-PSResource puts it into
# a (local, file) repository, Install-PSResource installs it by name, and a fresh pwsh imports it by name. Every step
# runs in its own pwsh whose HOME is a new folder, so the repository registration and the installed module land
# there and nowhere in this user's profile, and no module path of this session can hide a broken install.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $packageSkipReason = Get-PackageSkipReason
    $packageNote = if ($packageSkipReason) { " - skipped, $packageSkipReason" } else { '' }
    $labSkipReason = if ($packageSkipReason) { $packageSkipReason } else { Get-LabSkipReason }
    $labNote = Get-LabNote -SkipReason $labSkipReason
    $helpSkipReason = if (Test-Path -LiteralPath (Join-Path $ModuleBin 'en-US')) { $null } else { "help not built: $ModuleBin/en-US is missing" }
    $helpNote = if ($helpSkipReason) { " - skipped, $helpSkipReason" } else { '' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $manifestData = Import-PowerShellDataFile -LiteralPath $ManifestPath
    $version = $manifestData.ModuleVersion

    function Get-TargetFramework {
        <# A dll's TargetFrameworkAttribute, read from its metadata without loading it (a loaded dll stays for the session). #>
        param([Parameter(Mandatory)] [string] $Path)
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([System.Reflection.PortableExecutable.PEReader]::new($stream))
            foreach ($handle in $reader.GetAssemblyDefinition().GetCustomAttributes()) {
                $attribute = $reader.GetCustomAttribute($handle)
                if ("$($attribute.Constructor.Kind)" -ne 'MemberReference') { continue }
                $constructor = $reader.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle]$attribute.Constructor)
                if ("$($constructor.Parent.Kind)" -ne 'TypeReference') { continue }
                $type = $reader.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$constructor.Parent)
                if ($reader.GetString($type.Name) -ne 'TargetFrameworkAttribute') { continue }
                $blob = $reader.GetBlobReader($attribute.Value)
                $null = $blob.ReadUInt16()   # the custom attribute blob's prolog
                return $blob.ReadSerializedString()
            }
        }
        finally { $stream.Dispose() }
    }

}

Describe "The package build.ps1 -Task Package writes$packageNote" -Skip:($null -ne $packageSkipReason) {
    BeforeAll {
        $Work = Join-Path $TestDrive 'work'
        $UserHome = Join-Path $TestDrive 'home'
        $repository = Join-Path $TestDrive 'repository'
        New-Item -ItemType Directory -Path $Work, $UserHome, $repository -Force | Out-Null

        # Packages the module this test run loaded (module/bin), as ./build.ps1 -Task Package would after its build.
        $build = Invoke-FreshPwsh "& '$RepoRoot/build.ps1' -Task Package -NoBuild -OutputPath '$TestDrive/out'"
        Assert-StepSucceeded $build './build.ps1 -Task Package -NoBuild'
        $package = Join-Path $TestDrive "out/SysVmPatch/$version"

        $install = Invoke-FreshPwsh @"
Register-PSResourceRepository -Name SysVmPatchTest -Uri '$repository' -Trusted
Publish-PSResource -Path '$package' -Repository SysVmPatchTest
Install-PSResource -Name SysVmPatch -Repository SysVmPatchTest -Scope CurrentUser
"@
        Assert-StepSucceeded $install 'Publishing to a file repository and installing by name'
        $installed = Join-Path $UserHome ".local/share/powershell/Modules/SysVmPatch/$version"

        $import = Invoke-FreshPwsh @'
$module = Import-Module SysVmPatch -PassThru
$help = Get-Help Get-SystemVm -Full
[pscustomobject]@{
    ModuleBase = $module.ModuleBase
    Version    = "$($module.Version)"
    Cmdlets    = @(Get-Command -Module SysVmPatch -CommandType Cmdlet | ForEach-Object Name | Sort-Object)
    HelpName   = [string]$help.Name
    Synopsis   = ([string]$help.Synopsis).Trim()
    Examples   = @($help.PSObject.Properties['examples'] | Where-Object { $_.Value } | ForEach-Object { $_.Value.example }).Count
    Formats    = @(Get-FormatData -TypeName 'SysVmPatch.Engine.Inventory.SystemVm').Count
    Nested     = @($module.NestedModules | ForEach-Object Name)
    Engine     = [SysVmPatch.Engine.Inventory.SystemVm].Assembly.Location
    EngineContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext([SysVmPatch.Engine.Inventory.SystemVm].Assembly).Name
} | ConvertTo-Json -Compress
'@
        Assert-StepSucceeded $import 'Importing the installed module by name in a fresh pwsh'
        $imported = ($import.Output -split "`n" | Where-Object { $_ -like '{*' } | Select-Object -Last 1) | ConvertFrom-Json
    }

    It 'holds a manifest with paths for its own layout, the dlls, the format files, LICENSE and CHANGELOG.md' {
        $manifest = Test-ModuleManifest -Path (Join-Path $package 'SysVmPatch.psd1') -ErrorAction Stop
        $manifest.Version | Should -Be ([version]$version)
        $data = Import-PowerShellDataFile -LiteralPath (Join-Path $package 'SysVmPatch.psd1')
        $data.RootModule | Should -Be 'SysVmPatch.dll'
        @($data.NestedModules) | Should -Be @('SysVmPatch.Loader.dll', 'SysVmPatch.Dsc.psm1')
        foreach ($nested in $data.NestedModules) { Join-Path $package $nested | Should -Exist }
        Join-Path $package 'SysVmPatch.dll' | Should -Exist
        Join-Path $package 'SysVmPatch.Loader.dll' | Should -Exist
        Join-Path $package 'SysVmPatch.LoadContext.dll' | Should -Exist
        @($data.FormatsToProcess).Count | Should -BeGreaterThan 0
        foreach ($format in $data.FormatsToProcess) { Join-Path $package $format | Should -Exist }
        Get-Content -Raw -LiteralPath (Join-Path $package 'LICENSE') | Should -Match 'Apache License\s+Version 2\.0, January 2004'
        Get-Content -Raw -LiteralPath (Join-Path $package 'CHANGELOG.md') | Should -Match "## $([regex]::Escape($version))"
        @(Get-ChildItem -LiteralPath $package -Recurse -Filter '*.pdb').Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $package -Recurse -Filter 'System.Management.Automation.dll').Count | Should -Be 0
    }

    It 'ships the engine and SSH.NET for each edition in Dependencies, none of them beside the manifest' {
        @(Get-ChildItem -LiteralPath $package -Filter '*.dll' | ForEach-Object Name | Sort-Object) |
            Should -Be @('SysVmPatch.dll', 'SysVmPatch.LoadContext.dll', 'SysVmPatch.Loader.dll')
        foreach ($edition in 'Core', 'Desktop') {
            foreach ($dll in 'SysVmPatch.Engine.dll', 'Renci.SshNet.dll', 'BouncyCastle.Cryptography.dll') {
                Join-Path $package "Dependencies/$edition/$dll" | Should -Exist
            }
        }
        # PowerShell 7 gets the net8.0 engine (SSH.NET's AES-GCM native), Windows PowerShell the netstandard2.0 one.
        Get-TargetFramework -Path (Join-Path $package 'Dependencies/Core/SysVmPatch.Engine.dll') | Should -Be '.NETCoreApp,Version=v8.0'
        Get-TargetFramework -Path (Join-Path $package 'Dependencies/Desktop/SysVmPatch.Engine.dll') | Should -Be '.NETStandard,Version=v2.0'
    }

    It 'names the project, its license and its release notes for the gallery' {
        $psData = (Import-PowerShellDataFile -LiteralPath (Join-Path $package 'SysVmPatch.psd1')).PrivateData.PSData
        [uri]$psData.ProjectUri | Should -Not -BeNullOrEmpty
        ([uri]$psData.ProjectUri).Scheme | Should -Be 'https'
        $psData.LicenseUri | Should -Match 'LICENSE-2\.0'
        $psData.ReleaseNotes | Should -Match ([regex]::Escape($version))
    }

    It "ships the help folder the build made (module/bin/en-US)$helpNote" -Skip:($null -ne $helpSkipReason) {
        $built = @(Get-ChildItem -LiteralPath (Join-Path $ModuleBin 'en-US') -Recurse -File | ForEach-Object { $_.FullName.Substring($ModuleBin.Length) })
        $built.Count | Should -BeGreaterThan 0
        foreach ($file in $built) { Join-Path $package $file | Should -Exist }
    }

    It 'is published to the file repository and installed by name into the clean module path' {
        Join-Path $repository "SysVmPatch.$version.nupkg" | Should -Exist
        Join-Path $installed 'SysVmPatch.psd1' | Should -Exist
        Join-Path $installed 'SysVmPatch.dll' | Should -Exist
    }

    It 'imports by name in a fresh pwsh, from the installed folder, with every cmdlet and the format views' {
        (Resolve-Path -LiteralPath $imported.ModuleBase).Path | Should -Be (Resolve-Path -LiteralPath $installed).Path
        $imported.Version | Should -Be $version
        @($imported.Cmdlets) | Should -Be @($manifestData.CmdletsToExport | Sort-Object)
        $imported.Formats | Should -Be 1
    }

    It 'loads the installed net8.0 engine into its own load context, through the nested loader' {
        @($imported.Nested) | Should -Be @('SysVmPatch.Loader', 'SysVmPatch.Dsc')
        $imported.Engine | Should -Be (Join-Path (Resolve-Path -LiteralPath $installed).Path 'Dependencies/Core/SysVmPatch.Engine.dll')
        $imported.EngineContext | Should -Be 'SysVmPatch'
    }

    It 'answers Get-Help for a cmdlet' {
        $imported.HelpName | Should -Be 'Get-SystemVm'
        $imported.Synopsis | Should -Not -BeNullOrEmpty
    }

    It "shows the packaged help, not only the syntax$helpNote" -Skip:($null -ne $helpSkipReason) {
        $imported.Synopsis | Should -Not -BeLike 'Get-SystemVm *'   # PowerShell's stand-in when there is no help
        $imported.Examples | Should -BeGreaterThan 0
    }

    Context "The installed module against the test world$labNote" -Skip:($null -ne $labSkipReason) {
        BeforeAll {
            $lab = Get-LabState
            # The repository's build, already tested elsewhere, tells which VMs the installed module must list.
            Connect-Lab -Name 'package-reference'
            $expected = @(Get-SystemVm | ForEach-Object Name | Sort-Object)
            Disconnect-All
            $listing = Invoke-FreshPwsh -Environment @{
                SVP_TEST_ENDPOINT  = $lab.Endpoint
                SVP_TEST_API_KEY   = $lab.ApiKey
                SVP_TEST_SECRET    = $lab.SecretKey
                SVP_TEST_SKIP_CERT = [string](Test-LabSkipsCertificateCheck $lab)
            } -Script @'
Import-Module SysVmPatch
$secret = ConvertTo-SecureString $env:SVP_TEST_SECRET -AsPlainText -Force
Connect-SysVmCloud -Url $env:SVP_TEST_ENDPOINT -ApiKey $env:SVP_TEST_API_KEY -SecretKey $secret -SkipCertificateCheck:($env:SVP_TEST_SKIP_CERT -eq 'True') | Out-Null
$vms = @(Get-SystemVm)
[pscustomobject]@{
    ModuleBase = (Get-Command Get-SystemVm).Module.ModuleBase
    Names      = @($vms | ForEach-Object Name | Sort-Object)
    Types      = @($vms | ForEach-Object { "$($_.Type)" } | Sort-Object -Unique)
} | ConvertTo-Json -Compress
'@
        }

        It 'lists the same system VMs and routers with Get-SystemVm as the repository build' {
            Assert-StepSucceeded $listing 'Get-SystemVm from the installed module'
            $result = ($listing.Output -split "`n" | Where-Object { $_ -like '{*' } | Select-Object -Last 1) | ConvertFrom-Json
            (Resolve-Path -LiteralPath $result.ModuleBase).Path | Should -Be (Resolve-Path -LiteralPath $installed).Path
            $expected.Count | Should -BeGreaterThan 0
            @($result.Names) | Should -Be $expected
            @($result.Types) | Should -Contain 'Router'
            $listing.Output + $listing.Error | Should -Not -Match ([regex]::Escape([string]$lab.SecretKey))
        }
    }
}
