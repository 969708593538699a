#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests and packages the SysVmPatch module.
.DESCRIPTION
    Build   compiles the engine and the cmdlets and assembles the loadable module under module/bin, so that
            Import-Module ./SysVmPatch.psd1 works from the repository root. Help is built from docs/help when
            PlatyPS is installed.
    Test    runs Build, then every test: the .NET Framework 4.7.2 compile check (tests/NetFramework), the xunit suite
            (dotnet test) and every Pester test under tests/Pester, in a fresh pwsh. As root on Linux it starts the
            test world for the Pester tests that need one (and stops it afterwards); elsewhere those tests are
            skipped and say why. It ends with one line of counts per suite and a total, and fails when any failed.
    Package writes <OutputPath>/SysVmPatch/<version>/, a folder that Publish-PSResource can publish or that can be
            copied into a folder of $env:PSModulePath.
    Try     (root on Linux) runs Build, starts the test world, runs a first pipeline against it in a fresh pwsh
            (tools/FirstPipeline.ps1: connect, inventory, version comparison over SSH, a -WhatIf restart) and stops it.
.PARAMETER Suite
    With -Task Test: which suites to run (all by default).
.PARAMETER OutputPath
    With -Task Package: where the SysVmPatch folder goes (out/ by default).
.PARAMETER NoBuild
    With -Task Package: package the module already built under module/bin instead of building it again.
.EXAMPLE
    ./build.ps1 -Task Build
    Import-Module ./SysVmPatch.psd1
.EXAMPLE
    sudo dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Try')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [ValidateSet('NetFramework', 'Xunit', 'Pester')]
    [string[]] $Suite = @('NetFramework', 'Xunit', 'Pester'),

    [string] $OutputPath,

    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$moduleBin = Join-Path $root 'module/bin'
$testResults = Join-Path $root 'out/test-results'
. (Join-Path $root 'tools/TestWorldSession.ps1')
. (Join-Path $root 'tools/PesterLocator.ps1')

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

function Get-PwshCommand {
    <# This PowerShell as a command line for a fresh process: `dotnet pwsh` runs pwsh.dll through dotnet. #>
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    @($process)
}

function Invoke-ModuleBuild {
    $manifestVersion = (Import-PowerShellDataFile -LiteralPath (Join-Path $root 'SysVmPatch.psd1')).ModuleVersion
    $projectVersion = Get-ProjectVersion
    if ($manifestVersion -ne $projectVersion) {
        throw "SysVmPatch.psd1 says $manifestVersion but Directory.Build.props says $projectVersion; the props file is the version source."
    }
    if (Test-Path -LiteralPath $moduleBin) { Remove-Item -LiteralPath $moduleBin -Recurse -Force }
    Invoke-DependencyLayoutBuild
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

function Invoke-DependencyLayoutBuild {
    <#
    The module's layout (README.md, about_SysVmPatch): beside the manifest only what PowerShell loads by path into the
    default context: the loader (SysVmPatch.Loader.dll, the nested module imported first), the cmdlets (SysVmPatch.dll;
    both netstandard2.0, one dll for both editions) and PowerShell 7's load context (SysVmPatch.LoadContext.dll); the
    engine and everything it references in Dependencies/<PSEdition>, where no loader but the module's own looks: Core
    holds the net8.0 engine (SSH.NET's AES-GCM native), Desktop the netstandard2.0 one for Windows PowerShell 5.1.
    #>
    $staging = Join-Path $root 'out/build'
    if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
    $engine = Join-Path $root 'src/Engine/SysVmPatch.Engine.csproj'
    $dependencies = Join-Path $moduleBin 'Dependencies'
    Invoke-Dotnet publish $engine -c $Configuration -f net8.0 -o (Join-Path $dependencies 'Core') --nologo
    Invoke-Dotnet publish $engine -c $Configuration -f netstandard2.0 -o (Join-Path $dependencies 'Desktop') --nologo
    # The cmdlets' publish folder also holds the engine and SSH.NET; only the cmdlets' own dll goes beside the manifest.
    Invoke-Dotnet publish (Join-Path $root 'src/Cmdlets/SysVmPatch.Cmdlets.csproj') -c $Configuration -o (Join-Path $staging 'Cmdlets') --nologo
    foreach ($project in 'Loader', 'LoadContext') {
        Invoke-Dotnet publish (Join-Path $root "src/$project/SysVmPatch.$project.csproj") -c $Configuration -o (Join-Path $staging $project) --nologo
    }
    foreach ($file in 'Cmdlets/SysVmPatch', 'Loader/SysVmPatch.Loader', 'LoadContext/SysVmPatch.LoadContext') {
        Copy-Item -LiteralPath "$(Join-Path $staging $file).dll", "$(Join-Path $staging $file).pdb" -Destination $moduleBin
    }
}

function New-SuiteResult {
    param([string] $Name, [int] $Passed = 0, [int] $Failed = 0, [int] $Skipped = 0, [string] $Problem)
    [pscustomobject]@{ Suite = $Name; Passed = $Passed; Failed = $Failed; Skipped = $Skipped; Problem = $Problem }
}

function Invoke-NetFrameworkCheck {
    # Not a test count: a build that fails when the engine, the cmdlets or the loader use an API .NET Framework 4.7.2 lacks.
    & dotnet build (Join-Path $root 'tests/NetFramework/Cmdlets/SysVmPatch.Cmdlets.Net472.csproj') -c $Configuration --nologo | Out-Host
    if ($LASTEXITCODE -ne 0) { return New-SuiteResult 'net472' -Problem "the .NET Framework 4.7.2 build failed (exit code $LASTEXITCODE); see the errors above" }
    Write-Host 'net472: the engine, the cmdlets and the loader build against the .NET Framework 4.7.2 reference assemblies'
    New-SuiteResult 'net472'
}

function Invoke-XunitSuite {
    $results = Join-Path $testResults 'xunit'
    if (Test-Path -LiteralPath $results) { Remove-Item -LiteralPath $results -Recurse -Force }
    & dotnet test (Join-Path $root 'SysVmPatch.sln') -c $Configuration --nologo `
        --logger 'console;verbosity=normal' --logger trx --results-directory $results | Out-Host
    $exitCode = $LASTEXITCODE
    $passed = 0; $failed = 0; $skipped = 0
    $reports = @(Get-ChildItem -LiteralPath $results -Filter '*.trx' -Recurse -ErrorAction SilentlyContinue)
    foreach ($report in $reports) {
        [xml] $trx = Get-Content -Raw -LiteralPath $report.FullName
        $counters = $trx.SelectSingleNode("//*[local-name()='ResultSummary']/*[local-name()='Counters']")
        if (-not $counters) { $failed++; Write-Warning "$($report.FullName) has no counters; counted as one failure."; continue }
        $count = { param($name) $text = $counters.GetAttribute($name); if ($text) { [int]$text } else { 0 } }
        $passed += & $count 'passed'
        $failed += (& $count 'failed') + (& $count 'error') + (& $count 'timeout') + (& $count 'aborted')
        # A skipped xunit test is counted in 'total' but not in 'executed'; the trx's own notExecuted stays 0 for it.
        $skipped += (& $count 'total') - (& $count 'executed')
    }
    $problem = if ($reports.Count -eq 0) { "dotnet test wrote no report (exit code $exitCode)" }
    elseif ($exitCode -ne 0 -and $failed -eq 0) { "dotnet test failed with exit code $exitCode but no test failed (a build or test host failure?)" }
    elseif ($passed -eq 0) { 'no xunit test passed' }
    New-SuiteResult 'xunit' $passed $failed $skipped $problem
}

function Invoke-PesterSuite {
    $pesterPath = Find-Pester -RepositoryRoot $root
    New-Item -ItemType Directory -Path $testResults -Force | Out-Null
    $summaryPath = Join-Path $testResults 'pester-summary.json'
    Remove-Item -LiteralPath $summaryPath -ErrorAction SilentlyContinue
    $pwsh = Get-PwshCommand
    $labReason = Get-LabStartRefusal
    $lab = $null
    $savedLabState = $env:SYSVMPATCH_LAB_STATE
    $savedNoLab = $env:SYSVMPATCH_NO_LAB_REASON
    try {
        if ($labReason) {
            $env:SYSVMPATCH_NO_LAB_REASON = $labReason
            Write-Host "pester: no test world started: $labReason"
        }
        elseif (-not $env:SYSVMPATCH_LAB_STATE) {
            $lab = Start-TestWorld -RepositoryRoot $root -Configuration $Configuration -LogPath (Join-Path $testResults 'testworld.log')
            $env:SYSVMPATCH_LAB_STATE = $lab.StatePath
        }
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $root 'tests/Pester/Invoke-PesterSuite.ps1') `
            -PesterPath $pesterPath -ResultPath (Join-Path $testResults 'pester.xml') -SummaryPath $summaryPath | Out-Host
        $exitCode = $LASTEXITCODE
    }
    finally {
        if ($lab) { Stop-TestWorld -Session $lab }
        $env:SYSVMPATCH_LAB_STATE = $savedLabState
        $env:SYSVMPATCH_NO_LAB_REASON = $savedNoLab
    }
    if (-not (Test-Path -LiteralPath $summaryPath)) { return New-SuiteResult 'pester' -Problem "the Pester run ended (exit code $exitCode) without counts" }
    $summary = Get-Content -Raw -LiteralPath $summaryPath | ConvertFrom-Json
    $problem = if ($exitCode -ne 0) { "Pester run $($summary.Result): $($summary.FailedBlocks) block(s) and $($summary.FailedContainers) file(s) failed besides the tests" }
    New-SuiteResult 'pester' $summary.Passed ($summary.Failed + $summary.FailedBlocks + $summary.FailedContainers) $summary.Skipped $problem
}

function Invoke-ModuleTest {
    Invoke-ModuleBuild
    # A suite that throws (the test world would not start, Pester is nowhere) is a problem of that suite: the others
    # still run, and the closing lines still come.
    $runs = [ordered]@{ NetFramework = { Invoke-NetFrameworkCheck }; Xunit = { Invoke-XunitSuite }; Pester = { Invoke-PesterSuite } }
    $results = @(
        foreach ($name in $runs.Keys | Where-Object { $_ -in $Suite }) {
            try { & $runs[$name] }
            catch { New-SuiteResult (@{ NetFramework = 'net472'; Xunit = 'xunit'; Pester = 'pester' }[$name]) -Problem $_.Exception.Message }
        }
    )
    Write-Host ''
    foreach ($r in $results | Where-Object Suite -ne 'net472') { Write-Host "$($r.Suite): $($r.Passed) passed, $($r.Failed) failed, $($r.Skipped) skipped" }
    $problems = @($results | Where-Object { $_.Problem } | ForEach-Object { "$($_.Suite): $($_.Problem)" })
    foreach ($p in $problems) { Write-Host $p }
    $sum = { param($name) ($results | Measure-Object -Property $name -Sum).Sum }
    Write-Host "total: $(& $sum Passed) passed, $(& $sum Failed) failed, $(& $sum Skipped) skipped"
    if ($problems.Count -gt 0 -or (& $sum Failed) -gt 0) { exit 1 }
}

function Invoke-ModulePackage {
    if (-not $NoBuild) { Invoke-ModuleBuild }
    elseif (-not (Test-Path -LiteralPath (Join-Path $moduleBin 'SysVmPatch.dll'))) { throw "-NoBuild, but $moduleBin holds no build: run ./build.ps1 first." }
    $version = Get-ProjectVersion
    $base = if ($OutputPath) { $OutputPath } else { Join-Path $root 'out' }
    $target = Join-Path $base "SysVmPatch/$version"
    if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
    New-Item -ItemType Directory -Path $target | Out-Null
    # Everything the build assembled, the help folder (en-US/SysVmPatch.dll-Help.xml, about_SysVmPatch) included.
    Copy-Item -Path (Join-Path $moduleBin '*') -Destination $target -Recurse
    Get-ChildItem -LiteralPath $target -Filter '*.pdb' -Recurse | Remove-Item
    if (-not (Test-Path -LiteralPath (Join-Path $target 'en-US'))) {
        Write-Warning "$moduleBin has no en-US folder: the package has no help, so Get-Help will show syntax only."
    }
    Get-ChildItem -LiteralPath (Join-Path $root 'module') -Filter '*.ps1xml' | Copy-Item -Destination $target
    # The script module that holds the DSC resource (class-based resources cannot live in a dll).
    Get-ChildItem -LiteralPath (Join-Path $root 'module') -Filter '*.psm1' | Copy-Item -Destination $target
    Copy-Item -LiteralPath (Join-Path $root 'LICENSE'), (Join-Path $root 'CHANGELOG.md') -Destination $target
    # The packaged layout has the dll and format files beside the manifest.
    (Get-Content -Raw -LiteralPath (Join-Path $root 'SysVmPatch.psd1')) `
        -replace "module/bin/", '' -replace "module/", '' |
        Set-Content -LiteralPath (Join-Path $target 'SysVmPatch.psd1') -Encoding utf8
    Write-Host "Packaged SysVmPatch $version into $target"
}

function Invoke-FirstPipeline {
    $refusal = Get-LabStartRefusal
    if ($refusal -or $env:SYSVMPATCH_LAB_STATE) {
        if ($env:SYSVMPATCH_LAB_STATE) { $refusal = 'SYSVMPATCH_LAB_STATE is set: a lab already runs; unset it to let this task start its own' }
        throw "-Task Try starts the test world, and cannot here: $refusal."
    }
    Invoke-ModuleBuild
    $lab = Start-TestWorld -RepositoryRoot $root -Configuration $Configuration -LogPath (Join-Path $root 'out/testworld.log')
    try {
        $pwsh = Get-PwshCommand
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $root 'tools/FirstPipeline.ps1') -StatePath $lab.StatePath | Out-Host
        $exitCode = $LASTEXITCODE
    }
    finally {
        Stop-TestWorld -Session $lab
    }
    if ($exitCode -ne 0) { throw "The first pipeline failed (exit code $exitCode); see above." }
    Write-Host "`nThat was the test world. To keep one up and try more: sudo dotnet run --project tests/TestWorld -- up (README.md)."
}

switch ($Task) {
    'Build' { Invoke-ModuleBuild }
    'Test' { Invoke-ModuleTest }
    'Package' { Invoke-ModulePackage }
    'Try' { Invoke-FirstPipeline }
}
