<#
.SYNOPSIS
    The first pipeline a newcomer runs against the test world: connect, list the fleet, compare versions (asking
    each VM over SSH), and show what a rolling reboot of the routers would do.
.DESCRIPTION
    build.ps1 -Task Try runs this in a fresh pwsh once the test world is up; it reads the lab's state file for the
    CloudMonkey profile and the SSH key. Nothing here changes a VM: the restart runs with -WhatIf.
#>
param([Parameter(Mandatory)] [string] $StatePath)

$ErrorActionPreference = 'Stop'
$lab = Get-Content -Raw -LiteralPath $StatePath | ConvertFrom-Json
Import-Module (Join-Path (Split-Path $PSScriptRoot -Parent) 'SysVmPatch.psd1')

function Show-Step([string] $Line) { Write-Host "`nPS> $Line" -ForegroundColor Cyan }

Show-Step "Connect-SysVmCloud -Profile lab -ConfigPath $($lab.CloudMonkeyConfig)"
Connect-SysVmCloud -Profile lab -ConfigPath $lab.CloudMonkeyConfig | Format-List | Out-Host

Show-Step 'Get-SystemVm'
Get-SystemVm | Format-Table | Out-Host

Show-Step "Get-SystemVm | Compare-SysVmVersion -Probe -KeyFile $($lab.KeyFile) -KnownHostsFile $($lab.KnownHostsFile)"
Get-SystemVm | Compare-SysVmVersion -Probe -KeyFile $lab.KeyFile -KnownHostsFile $lab.KnownHostsFile | Format-Table | Out-Host

Show-Step 'Get-SystemVm -Type Router | Restart-SysVm -Mode Reboot -Wait -BatchSize 2 -WhatIf'
Get-SystemVm -Type Router | Restart-SysVm -Mode Reboot -Wait -BatchSize 2 -WhatIf
