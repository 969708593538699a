#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests and packages the SysVmPatch module.
.DESCRIPTION
    Build   compiles the engine and the cmdlets and assembles the loadable module under module/bin, so that
            Import-Module ./SysVmPatch.psd1 works from the repository root. Help is built from docs/help when
            PlatyPS is installed.
    Test    runs Build, then the xunit suite (dotnet test) and the Pester tests under tests/Pester.
    Package writes out/SysVmPatch/<version>/, a folder ready for Publish-Module or a copy into $env:PSModulePath.
.EXAMPLE
    ./build.ps1 -Task Build
    Import-Module ./SysVmPatch.psd1
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleBin = Join-Path $root 'module/bin'

function Get-ProjectVersion {
    [xml] $props = Get-Content -Raw -LiteralPath (Join-Path $root 'Directory.Build.props')
    # XPath, not $props.Project.PropertyGroup.VersionPrefix: with several PropertyGroups, some without VersionPrefix,
    # that member access throws under Set-StrictMode -Version Latest.
    $node = $props.SelectSingleNode('/Project/PropertyGroup/VersionPrefix[normalize-space(.) != ""]')
    if (-not $node) { throw 'Directory.Build.props has no VersionPrefix.' }
    $node.InnerText.Trim()
}

function Invoke-Dotnet {
    # A plain function reading $args: an advanced one (a [Parameter()] attribute) has the common parameters, and
    # binds dotnet's own switches to them (-o is ambiguous between -OutVariable and -OutBuffer and fails).
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-ModuleBuild {
    $manifestVersion = (Import-PowerShellDataFile -LiteralPath (Join-Path $root 'SysVmPatch.psd1')).ModuleVersion
    $projectVersion = Get-ProjectVersion
    if ($manifestVersion -ne $projectVersion) {
        throw "SysVmPatch.psd1 says $manifestVersion but Directory.Build.props says $projectVersion; the props file is the version source."
    }
    if (Test-Path -LiteralPath $moduleBin) { Remove-Item -LiteralPath $moduleBin -Recurse -Force }
    Invoke-Dotnet publish (Join-Path $root 'src/Cmdlets/SysVmPatch.Cmdlets.csproj') -c $Configuration -o $moduleBin --nologo
    # Help: docs/help (PlatyPS markdown) to MAML and about_*.help.txt, with platyPS where it is installed, else with
    # build/ConvertTo-MamlHelp.ps1's own converter. module/bin/en-US is what the package ships. Get-Help looks in
    # <ModuleBase>/en-US, and the repository's SysVmPatch.psd1 has the repository root as its ModuleBase, so the
    # repository layout gets a copy in en-US/ (ignored by git, like module/bin).
    $helpOut = Join-Path $moduleBin 'en-US'
    & (Join-Path $root 'build/ConvertTo-MamlHelp.ps1') -Path (Join-Path $root 'docs/help') -OutputPath $helpOut | Out-Null
    $repoHelp = Join-Path $root 'en-US'
    if (Test-Path -LiteralPath $repoHelp) { Remove-Item -LiteralPath $repoHelp -Recurse -Force }
    Copy-Item -LiteralPath $helpOut -Destination $repoHelp -Recurse
    Write-Host "Built SysVmPatch $projectVersion into $moduleBin. Import-Module ./SysVmPatch.psd1 to load it."
}

function Invoke-ModuleTest {
    Invoke-ModuleBuild
    Invoke-Dotnet test (Join-Path $root 'SysVmPatch.sln') -c $Configuration --nologo
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.1.0' } | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $pester) { throw 'Pester 5.1 or later is required for the module tests: Install-Module Pester -MinimumVersion 5.1 -Scope CurrentUser' }
    Import-Module $pester
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $root 'tests/Pester'
    $config.Run.Exit = $false
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $result = Invoke-Pester -Configuration $config
    # Result is Failed also when a container or a block failed (e.g. BeforeDiscovery or BeforeAll threw), which
    # FailedCount does not count.
    if ($result.Result -ne 'Passed') { throw "Pester run $($result.Result): $($result.FailedCount) test(s) failed; see the output above." }
}

function Invoke-ModulePackage {
    Invoke-ModuleBuild
    $version = Get-ProjectVersion
    $target = Join-Path $root "out/SysVmPatch/$version"
    if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
    New-Item -ItemType Directory -Path $target | Out-Null
    Copy-Item -Path (Join-Path $moduleBin '*') -Destination $target -Recurse
    Get-ChildItem -LiteralPath $target -Filter '*.pdb' | Remove-Item
    Get-ChildItem -LiteralPath (Join-Path $root 'module') -Filter '*.ps1xml' | Copy-Item -Destination $target
    # The packaged layout has the dll and format files beside the manifest.
    (Get-Content -Raw -LiteralPath (Join-Path $root 'SysVmPatch.psd1')) `
        -replace "module/bin/", '' -replace "module/", '' |
        Set-Content -LiteralPath (Join-Path $target 'SysVmPatch.psd1') -Encoding utf8
    Write-Host "Packaged SysVmPatch $version into $target"
}

switch ($Task) {
    'Build' { Invoke-ModuleBuild }
    'Test' { Invoke-ModuleTest }
    'Package' { Invoke-ModulePackage }
}
