#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# SysVmPatch next to a module that brought its own, older SSH.NET (Posh-SSH does): in PowerShell 7 the engine and
# SSH.NET 2026 load into the module's private load context, so neither copy of Renci.SshNet gets in the other's way.
# Only SSH.NET 2026 may be restored here, so the older one is a stand-in built from tests/OlderSshNet: assembly
# Renci.SshNet, version 2020.0.2.0, with a public SshClient that is not SSH.NET's. Each order of loading runs in a
# fresh pwsh, since an assembly, once loaded, stays for the life of the process.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $coreSkipReason = if ($PSVersionTable.PSEdition -ne 'Core') {
        'the private load context is PowerShell 7''s; Windows PowerShell 5.1 loads the two Renci.SshNet side by side by strong name, which the stand-in lacks'
    }
    $coreNote = if ($coreSkipReason) { " - skipped, $coreSkipReason" } else { '' }
    $labSkipReason = if ($coreSkipReason) { $coreSkipReason } else { Get-LabSkipReason }
    $labNote = Get-LabNote -SkipReason $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $Work = Join-Path $TestDrive 'work'
    $UserHome = Join-Path $TestDrive 'home'
    New-Item -ItemType Directory -Path $Work, $UserHome -Force | Out-Null
    $standInPath = $null
    if ($PSVersionTable.PSEdition -eq 'Core') {
        $standInFolder = Join-Path $TestDrive 'older-sshnet'
        $output = & dotnet build (Join-Path $RepoRoot 'tests/OlderSshNet/Renci.SshNet.StandIn.csproj') -c Release -o $standInFolder --nologo 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Building the older Renci.SshNet stand-in failed (exit code $LASTEXITCODE):`n$($output -join "`n")" }
        $standInPath = Join-Path $standInFolder 'Renci.SshNet.dll'
    }

    # What a fresh session reports about the SSH.NET it sees and the ones loaded, as one JSON line at the end.
    $reportSession = @'
function Get-SshNetReport {
    param($Probed)
    $loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Renci.SshNet' } | ForEach-Object {
        [pscustomobject]@{ Version = $_.GetName().Version.ToString(); Context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name; Location = $_.Location }
    })
    $seen = 'Renci.SshNet.SshClient' -as [type]
    [pscustomobject]@{
        Probed       = @($Probed | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Probed = $_.Probed; ProbeError = $_.ProbeError; Signature = $_.CurrentSignature } })
        Loaded       = $loaded
        SeenVersion  = if ($seen) { $seen.Assembly.GetName().Version.ToString() } else { $null }
        SeenStandIn  = if ($seen -and $seen.GetField('StandIn')) { $seen.GetField('StandIn').GetValue($null) } else { $null }
        EngineContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext([SysVmPatch.Engine.Inventory.SystemVm].Assembly).Name
    } | ConvertTo-Json -Compress -Depth 4
}
'@
    $probeLab = @'
Connect-Lab -Name lab | Out-Null
$lab = Get-LabState
$probed = @(Get-SystemVm -State Running | Compare-SysVmVersion -Probe -KeyFile $lab.KeyFile -KnownHostsFile $lab.KnownHostsFile -WarningAction SilentlyContinue)
'@

    # Where a session's script imports SysVmPatch (common.ps1 does, as every test here).
    $importModule = ". '$PSScriptRoot/common.ps1'"

    function Invoke-Session {
        param([Parameter(Mandatory)] [string] $Script)
        $step = Invoke-FreshPwsh -Script "$reportSession`n$Script" -TimeoutSec 600
        Assert-StepSucceeded $step 'The fresh pwsh session'
        ($step.Output -split "`n" | Where-Object { $_ -like '{*' } | Select-Object -Last 1) | ConvertFrom-Json
    }
}

Describe "SysVmPatch's dependencies in its own load context$coreNote" -Skip:($null -ne $coreSkipReason) {
    It 'loads the engine and SSH.NET 2026 into the SysVmPatch context, and only its dlls sit beside the manifest' {
        # The engine's own reference to SSH.NET, resolved by the engine's context as a first SSH connection would.
        $report = Invoke-Session @"
$importModule
`$engine = [SysVmPatch.Engine.Inventory.SystemVm].Assembly
`$ssh = `$engine.GetReferencedAssemblies() | Where-Object Name -eq 'Renci.SshNet'
`$null = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine).LoadFromAssemblyName(`$ssh)
Get-SshNetReport
"@
        $report.EngineContext | Should -Be 'SysVmPatch'
        @($report.Loaded).Count | Should -Be 1
        $report.Loaded[0].Context | Should -Be 'SysVmPatch'
        $report.Loaded[0].Version | Should -BeLike '2026.*'
        $report.Loaded[0].Location | Should -BeLike '*Dependencies*Core*Renci.SshNet.dll'
        # The session itself does not see SSH.NET: its types stay inside the module.
        $report.SeenVersion | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath $ModuleBin -Filter '*.dll' | ForEach-Object Name | Sort-Object) |
            Should -Be @('SysVmPatch.dll', 'SysVmPatch.LoadContext.dll', 'SysVmPatch.Loader.dll')
    }
}

Describe "A SysVmPatch whose Dependencies folder lost the engine$coreNote" -Skip:($null -ne $coreSkipReason) {
    It 'refuses to import, naming the folder the engine is missing from' {
        $copy = Join-Path $TestDrive 'incomplete'
        New-Item -ItemType Directory -Path (Join-Path $copy 'module') -Force | Out-Null
        Copy-Item -LiteralPath $ManifestPath -Destination $copy
        Copy-Item -LiteralPath $ModuleBin -Destination (Join-Path $copy 'module/bin') -Recurse
        Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'module') -Filter '*.ps1xml' | Copy-Item -Destination (Join-Path $copy 'module')
        Remove-Item -LiteralPath (Join-Path $copy 'module/bin/Dependencies/Core/SysVmPatch.Engine.dll')
        $step = Invoke-FreshPwsh -Script "try { Import-Module '$copy/SysVmPatch.psd1'; 'imported' } catch { 'refused: ' + `$_.Exception.Message }"
        Assert-StepSucceeded $step 'The fresh pwsh session'
        $step.Output | Should -Match "refused: SysVmPatch's engine is missing from .*incomplete.module.bin.Dependencies.Core; the module is incomplete"
    }
}

Describe "SysVmPatch beside an older Renci.SshNet (as Posh-SSH loads it) against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    It 'still probes every running VM over SSH.NET when the older Renci.SshNet was loaded first' {
        $report = Invoke-Session @"
Add-Type -Path '$standInPath'
if ([Renci.SshNet.SshClient]::StandIn -ne 'older Renci.SshNet stand-in') { throw 'the stand-in did not load first' }
$importModule
$probeLab
Get-SshNetReport -Probed `$probed
"@
        @($report.Probed).Count | Should -BeGreaterThan 0
        foreach ($vm in $report.Probed) {
            $vm.ProbeError | Should -BeNullOrEmpty -Because "$($vm.Name) was probed over SSH.NET"
            $vm.Probed | Should -BeTrue
            $vm.Signature | Should -Not -BeNullOrEmpty
        }
        # Both copies are loaded, each in its own context; the session still sees the one it loaded.
        @($report.Loaded).Count | Should -Be 2
        @($report.Loaded | Where-Object Context -eq 'Default')[0].Version | Should -Be '2020.0.2.0'
        @($report.Loaded | Where-Object Context -eq 'SysVmPatch')[0].Version | Should -BeLike '2026.*'
        $report.SeenVersion | Should -Be '2020.0.2.0'
        $report.SeenStandIn | Should -Be 'older Renci.SshNet stand-in'
    }

    It 'lets the older Renci.SshNet load after SysVmPatch has used SSH.NET, and the session sees that one' {
        $report = Invoke-Session @"
$importModule
$probeLab
Add-Type -Path '$standInPath'
Get-SshNetReport -Probed `$probed
"@
        @($report.Probed).Count | Should -BeGreaterThan 0
        foreach ($vm in $report.Probed) { $vm.ProbeError | Should -BeNullOrEmpty -Because "$($vm.Name) was probed over SSH.NET" }
        @($report.Loaded).Count | Should -Be 2
        @($report.Loaded | Where-Object Context -eq 'Default')[0].Version | Should -Be '2020.0.2.0'
        @($report.Loaded | Where-Object Context -eq 'SysVmPatch')[0].Version | Should -BeLike '2026.*'
        $report.SeenVersion | Should -Be '2020.0.2.0'
        $report.SeenStandIn | Should -Be 'older Renci.SshNet stand-in'
    }
}
