#
# Module manifest for SysVmPatch. In the repository it loads the build output under module/bin
# (run ./build.ps1 first); build.ps1 -Task Package writes a copy with paths for the packaged layout.
# The engine and SSH.NET live in module/bin/Dependencies/<PSEdition>, loaded only through SysVmPatch.Loader.dll.
#
@{
    RootModule           = 'module/bin/SysVmPatch.dll'
    # Imported before the RootModule: it puts the engine's resolver in place (a private load context in PowerShell 7,
    # an AssemblyResolve handler in Windows PowerShell), which PowerShell needs as soon as it reads the cmdlets' types.
    # Class-based DSC resources live only in script modules: SysVmPatchCompliance is in the second one.
    NestedModules        = @(
        'module/bin/SysVmPatch.Loader.dll'
        'module/SysVmPatch.Dsc.psm1'
    )
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0f7c62-3b1e-4f4e-9a57-1c8d3f2b9e41'
    Author               = 'SysVmPatch contributors'
    CompanyName          = 'SysVmPatch'
    Copyright            = '(c) SysVmPatch contributors. Apache License 2.0.'
    Description          = 'Find, compare, live-patch and restart Apache CloudStack system VMs and virtual routers over SSH, in rolling batches, with rollback and an audit history.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @(
        'module/SysVmPatch.Format.ps1xml'
        'module/SysVmPatch.History.Format.ps1xml'
        'module/SysVmPatch.Fleet.Format.ps1xml'
    )
    CmdletsToExport      = @(
        'Connect-SysVmCloud'
        'Disconnect-SysVmCloud'
        'Get-SysVmCloud'
        'Get-SystemVm'
        'Compare-SysVmVersion'
        'Invoke-LivePatch'
        'New-LivePatchPlan'
        'Restart-SysVm'
        'Get-PatchHistory'
        'Invoke-SysVmCommand'
        'Enter-SysVm'
        'ConvertTo-SysVmJson'
        'Clear-SysVmAttention'
    )
    DscResourcesToExport = @('SysVmPatchCompliance')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('CloudStack', 'SystemVM', 'VirtualRouter', 'LivePatch', 'SSH', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://www.apache.org/licenses/LICENSE-2.0'
            # Where the repository is to be hosted (.github/workflows/windows.yml runs there); change both together.
            ProjectUri   = 'https://github.com/SysVmPatch/SysVmPatch'
            ReleaseNotes = '0.1.0: the first release. Find, compare, live-patch and restart CloudStack system VMs and virtual routers in rolling batches, with rollback and an audit history. CHANGELOG.md in the package tells every change.'
        }
    }
}
