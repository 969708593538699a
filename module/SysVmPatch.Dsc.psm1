# The class-based DSC resource of SysVmPatch. DSC finds class-based resources only in script modules, so this file is
# a nested module of SysVmPatch.psd1 (DscResourcesToExport names the class). Get, Test and Set use the module's own
# cmdlets, module-qualified, so they run the same engine whichever scope imported the module; they never prompt.

[DscResource()]
class SysVmPatchCompliance {
    # The zone whose Running system VMs and routers must run the bundle; '*' for every zone of the connection.
    [DscProperty(Key)]
    [string] $Zone

    # A folder with agent.zip and cloud-scripts.tgz, as /usr/share/cloudstack-common/vms on the management server.
    [DscProperty(Key)]
    [string] $BundlePath

    # The only state this resource knows: every live-patchable VM in scope runs the bundle's scripts.
    [DscProperty(Mandatory)]
    [ValidateSet('Current')]
    [string] $DesiredState = 'Current'

    # Optional filters, as Get-SystemVm takes them: VM names (wildcards) and types (Ssvm, Cpvm, Router).
    [DscProperty()]
    [string[]] $Name

    [DscProperty()]
    [string[]] $Type

    # The connection: a CloudMonkey profile (and its config file), else CLOUDSTACK_ENDPOINT/KEY/SECRET.
    [DscProperty()]
    [string] $CloudMonkeyProfile

    [DscProperty()]
    [string] $CloudMonkeyConfigPath

    # SSH to the VMs (through their hosts), as Invoke-LivePatch's -KeyFile and -KnownHostsFile.
    [DscProperty()]
    [string] $KeyFile

    [DscProperty()]
    [string] $KnownHostsFile

    # The bundle's release for the record (default: the management server's version), the history file, the batch size.
    [DscProperty()]
    [string] $TargetVersion

    [DscProperty()]
    [string] $HistoryPath

    [DscProperty()]
    [int] $BatchSize = 10

    # What Get found: 'Current' or 'Outdated', and the VMs behind it.
    [DscProperty(NotConfigurable)]
    [string] $State

    # Running VMs whose scripts differ from the bundle's and that a live patch can bring to it.
    [DscProperty(NotConfigurable)]
    [string[]] $OutdatedVms

    # VMs a live patch cannot bring to the bundle (template too old: Recreate) or that could not be read (Probe).
    [DscProperty(NotConfigurable)]
    [string[]] $NotLivePatchable

    [SysVmPatchCompliance] Get() {
        $comparisons = $this.Compare()
        $result = [SysVmPatchCompliance]::new()
        foreach ($property in 'Zone', 'BundlePath', 'DesiredState', 'Name', 'Type', 'CloudMonkeyProfile', 'CloudMonkeyConfigPath',
            'KeyFile', 'KnownHostsFile', 'TargetVersion', 'HistoryPath', 'BatchSize') {
            $result.$property = $this.$property
        }
        $result.OutdatedVms = @($comparisons | Where-Object { "$($_.RecommendedAction)" -eq 'LivePatch' } | ForEach-Object Name)
        $result.NotLivePatchable = @($comparisons | Where-Object { "$($_.RecommendedAction)" -in 'Recreate', 'Probe' } | ForEach-Object Name)
        $result.State = if ($result.OutdatedVms.Count -eq 0) { 'Current' } else { 'Outdated' }
        return $result
    }

    [bool] Test() {
        $actual = $this.Get()
        if ($actual.NotLivePatchable.Count -gt 0) {
            Write-Warning "SysVmPatchCompliance: a live patch cannot bring these VMs to the bundle (recreate them, or read them with Compare-SysVmVersion -Probe): $($actual.NotLivePatchable -join ', ')"
        }
        return $actual.State -eq $this.DesiredState
    }

    [void] Set() {
        $connection = $this.Connect()
        try {
            $outdated = @($this.CompareOn($connection) | Where-Object { "$($_.RecommendedAction)" -eq 'LivePatch' })
            if ($outdated.Count -eq 0) { return }
            $patch = $this.SshArguments()
            $patch.BundlePath = $this.BundlePath
            $patch.BatchSize = $this.BatchSize
            if ($this.TargetVersion) { $patch.TargetVersion = $this.TargetVersion }
            if ($this.HistoryPath) { $patch.HistoryPath = $this.HistoryPath }
            # DSC has nobody to ask: -Confirm:$false. A VM that fails is a non-terminating error; Set fails with all of them.
            $failures = $null
            $results = @($outdated | SysVmPatch\Invoke-LivePatch @patch -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failures)
            $failed = @($results | Where-Object IsFailure)
            if ($failures -or $failed) {
                $what = @($failed | ForEach-Object { "$($_.VmName): $($_.Status) at $($_.FailedStep): $($_.Error)" }) + @($failures | Where-Object { $_.TargetObject -notin $failed } | ForEach-Object { "$_" })
                throw "SysVmPatchCompliance: $(@($failed).Count) of $($outdated.Count) VMs were not patched: $(($what | Select-Object -Unique) -join '; ')"
            }
        }
        finally { SysVmPatch\Disconnect-SysVmCloud -Name $connection -ErrorAction SilentlyContinue }
    }

    # Every Running VM in scope compared with the bundle, read from the VMs over SSH: CloudStack's own record of a
    # router's scripts stays stale after an SSH patch, so only the probe tells a patched VM from an outdated one.
    hidden [object[]] Compare() {
        $connection = $this.Connect()
        try { return $this.CompareOn($connection) }
        finally { SysVmPatch\Disconnect-SysVmCloud -Name $connection -ErrorAction SilentlyContinue }
    }

    hidden [object[]] CompareOn([string] $connection) {
        $select = @{ Server = $connection; State = 'Running' }
        if ($this.Zone -and $this.Zone -ne '*') { $select.Zone = $this.Zone }
        if ($this.Name) { $select.Name = $this.Name }
        if ($this.Type) { $select.Type = $this.Type }
        $compare = $this.SshArguments()
        $compare.BundlePath = $this.BundlePath
        if ($this.TargetVersion) { $compare.TargetVersion = $this.TargetVersion }
        return @(SysVmPatch\Get-SystemVm @select -ErrorAction Stop | SysVmPatch\Compare-SysVmVersion @compare -Probe -ErrorAction Stop -WarningAction SilentlyContinue)
    }

    # A connection of its own, under a name no user picks, so the caller's default connection is left alone.
    hidden [string] Connect() {
        $connection = 'SysVmPatchCompliance-' + [guid]::NewGuid().ToString('n')
        $arguments = @{ Name = $connection; NotDefault = $true }
        if ($this.CloudMonkeyProfile) {
            $arguments.Profile = $this.CloudMonkeyProfile
            if ($this.CloudMonkeyConfigPath) { $arguments.ConfigPath = $this.CloudMonkeyConfigPath }
        }
        else { $arguments.FromEnvironment = $true }
        $null = SysVmPatch\Connect-SysVmCloud @arguments -ErrorAction Stop
        return $connection
    }

    hidden [hashtable] SshArguments() {
        $arguments = @{}
        if ($this.KeyFile) { $arguments.KeyFile = $this.KeyFile }
        if ($this.KnownHostsFile) { $arguments.KnownHostsFile = $this.KnownHostsFile }
        return $arguments
    }
}
