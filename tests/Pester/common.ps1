# Shared by every *.Tests.ps1 here. Dot-source it in BeforeDiscovery (for values that -Skip and -ForEach need) and
# in BeforeAll (for the tests themselves): Pester 5 runs those in different scopes, so each needs its own copy.
#
# It imports the module that ./build.ps1 -Task Build assembled (SysVmPatch.psd1 at the repository root loads
# module/bin/SysVmPatch.dll), and tells whether a test world is running: `dotnet run --project tests/TestWorld -- up`
# writes a JSON state file, and SYSVMPATCH_LAB_STATE names it. That file has at least Endpoint, ApiKey and SecretKey.

$RepoRoot = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
$ManifestPath = Join-Path $RepoRoot 'SysVmPatch.psd1'
$ModuleBin = Join-Path $RepoRoot 'module/bin'

if (-not (Test-Path -LiteralPath (Join-Path $ModuleBin 'SysVmPatch.dll'))) {
    throw "The module is not built: run ./build.ps1 -Task Build in $RepoRoot first."
}
Import-Module $ManifestPath -Force -ErrorAction Stop
# Resolving a parameter type makes PowerShell load SysVmPatch.Engine.dll the way the cmdlets do, so that tests can
# name its types ([SysVmPatch.Engine.Inventory.SystemVm]) before any cmdlet has run.
$null = (Get-Command Compare-SysVmVersion -Module SysVmPatch -ErrorAction Stop).Parameters['Vm'].ParameterType

function Get-LabSkipReason {
    <# Why the test-world tests cannot run here, or $null when they can. #>
    $path = $env:SYSVMPATCH_LAB_STATE
    if ([string]::IsNullOrWhiteSpace($path)) {
        return "no test world: SYSVMPATCH_LAB_STATE is not set (start one with 'dotnet run --project tests/TestWorld -- up' as root and set it to the state file it writes)"
    }
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        return "no test world: the state file SYSVMPATCH_LAB_STATE names ('$path') does not exist; is the lab up?"
    }
    try {
        $state = Get-Content -Raw -LiteralPath $path | ConvertFrom-Json
    }
    catch {
        return "no test world: the state file '$path' is not JSON ($($_.Exception.Message))"
    }
    $missing = @('Endpoint', 'ApiKey', 'SecretKey') | Where-Object { [string]::IsNullOrWhiteSpace([string]$state.$_) }
    if ($missing) {
        return "no test world: the state file '$path' lacks $($missing -join ', ')"
    }
    return $null
}

function Get-LabState {
    <# The test world's state (Endpoint, ApiKey, SecretKey, ...); call only when Get-LabSkipReason is $null. #>
    Get-Content -Raw -LiteralPath $env:SYSVMPATCH_LAB_STATE | ConvertFrom-Json
}

function Test-LabSkipsCertificateCheck {
    <# True when the state file says the lab's endpoint has a certificate no client trusts (SkipCertificateCheck: true). #>
    param([Parameter(Mandatory)] $Lab)
    $property = $Lab.PSObject.Properties['SkipCertificateCheck']
    [bool]($property -and $property.Value)
}

function Connect-Lab {
    <# Connects to the test world's management server under the given connection name. #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [switch] $NotDefault
    )
    $lab = Get-LabState
    $secret = ConvertTo-SecureString ([string]$lab.SecretKey) -AsPlainText -Force
    Connect-SysVmCloud -Url $lab.Endpoint -ApiKey $lab.ApiKey -SecretKey $secret -Name $Name -NotDefault:$NotDefault `
        -SkipCertificateCheck:(Test-LabSkipsCertificateCheck $lab) -ErrorAction Stop
}

function Disconnect-All {
    <# Leaves the session without connections, so tests do not depend on each other's order. #>
    Get-SysVmCloud | Disconnect-SysVmCloud -ErrorAction SilentlyContinue
}

function Get-TerminatingError {
    <#
    Runs the script block and returns the ErrorRecord it ended with, or $null when it ended without one.
    Tests look at the record's FullyQualifiedErrorId, category and text, not only at whether something threw.
    #>
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    try {
        & $ScriptBlock | Out-Null
        return $null
    }
    catch {
        return $_
    }
}

function Get-AllErrorText {
    <# Every rendering of an ErrorRecord a user or a log could see, joined, to search for leaked secrets. #>
    param([Parameter(Mandatory)] [System.Management.Automation.ErrorRecord] $ErrorRecord)
    $parts = @(
        $ErrorRecord.ToString()
        ($ErrorRecord | Out-String)
        ($ErrorRecord | Format-List * -Force | Out-String)
        $ErrorRecord.Exception.ToString()
        [string]$ErrorRecord.TargetObject
        [string]$ErrorRecord.ErrorDetails
    )
    $parts -join "`n"
}

function New-TestBundle {
    <# A patch-bundle folder with a cloud-scripts.tgz of known content; returns its path and the file's MD5. #>
    param([Parameter(Mandatory)] [string] $Path)
    New-Item -ItemType Directory -Path $Path -Force | Out-Null
    $scripts = Join-Path $Path 'cloud-scripts.tgz'
    [System.IO.File]::WriteAllBytes($scripts, [System.Text.Encoding]::UTF8.GetBytes("not really a tarball $([guid]::NewGuid())"))
    [System.IO.File]::WriteAllBytes((Join-Path $Path 'agent.zip'), [byte[]](80, 75, 5, 6))
    [pscustomobject]@{
        Path = $Path
        Md5  = (Get-FileHash -LiteralPath $scripts -Algorithm MD5).Hash.ToLowerInvariant()
    }
}
