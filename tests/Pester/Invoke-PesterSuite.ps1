<#
.SYNOPSIS
    Runs every Pester test under tests/Pester and prints one line of counts; exits 0 only when the run passed.
.DESCRIPTION
    build.ps1 -Task Test runs this in a fresh pwsh (after building the module and, as root on Linux, starting the
    test world); the Windows workflow runs it in Windows PowerShell 5.1 and in pwsh. So it stays Windows PowerShell
    5.1 syntax.

    A run passes only when no test, block (BeforeAll, AfterAll) or container (a file that failed to load) failed and
    at least one test passed: Pester's Result is 'Failed' for all three, its FailedCount counts only the first.
.PARAMETER PesterPath
    Pester.psd1 to import (build.ps1 gives the one in the NuGet package cache). Without it, the newest installed
    Pester 5 is imported.
.PARAMETER ResultPath
    Where to write the NUnit XML report; none when omitted.
.PARAMETER SummaryPath
    Where to write the counts as JSON (Passed, Failed, Skipped, NotRun, FailedBlocks, FailedContainers, Result).
#>
[CmdletBinding()]
param(
    [string] $PesterPath,
    [string] $ResultPath,
    [string] $SummaryPath
)

$ErrorActionPreference = 'Stop'

if ($PesterPath) {
    Import-Module -Name $PesterPath -Force
}
else {
    $installed = Get-Module -ListAvailable -Name Pester |
        Where-Object { $_.Version -ge [version]'5.1.0' -and $_.Version.Major -eq 5 } |
        Sort-Object Version -Descending | Select-Object -First 1
    if (-not $installed) {
        throw 'Pester 5 (5.1 or later) is not installed: give -PesterPath, or Install-PSResource Pester -Version "[5.9.1]".'
    }
    Import-Module -Name $installed.Path -Force
}
$pester = Get-Module Pester
Write-Host "Pester $($pester.Version) from $($pester.ModuleBase), in PowerShell $($PSVersionTable.PSVersion) ($($PSVersionTable.PSEdition))"

$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.Exit = $false
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($ResultPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = $ResultPath
}
$result = Invoke-Pester -Configuration $config

$summary = [ordered]@{
    Passed           = [int]$result.PassedCount
    Failed           = [int]$result.FailedCount
    Skipped          = [int]$result.SkippedCount
    NotRun           = [int]$result.NotRunCount
    FailedBlocks     = [int]$result.FailedBlocksCount
    FailedContainers = [int]$result.FailedContainersCount
    Result           = [string]$result.Result
}
if ($SummaryPath) {
    $summary | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding UTF8
}

$failed = $summary.Failed + $summary.FailedBlocks + $summary.FailedContainers
Write-Host ("pester: {0} passed, {1} failed, {2} skipped" -f $summary.Passed, $failed, $summary.Skipped)
if ($summary.FailedBlocks -gt 0 -or $summary.FailedContainers -gt 0) {
    Write-Host ("pester: {0} block(s) and {1} file(s) failed outside a test (BeforeAll, AfterAll or loading); see above" -f $summary.FailedBlocks, $summary.FailedContainers)
}
if ($result.Result -ne 'Passed') { exit 1 }
if ($summary.Passed -eq 0) {
    Write-Host 'pester: no test passed; a run that tests nothing does not pass'
    exit 1
}
exit 0
