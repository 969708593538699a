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
# The module's loader has loaded SysVmPatch.Engine.dll and, in PowerShell 7, published its types by name; resolving a
# parameter type fails here, before any test, when the cmdlets cannot reach them ([SysVmPatch.Engine.Inventory.SystemVm]).
$null = (Get-Command Compare-SysVmVersion -Module SysVmPatch -ErrorAction Stop).Parameters['Vm'].ParameterType

function Get-LabSkipReason {
    <# Why the test-world tests cannot run here, or $null when they can. #>
    $path = $env:SYSVMPATCH_LAB_STATE
    if ([string]::IsNullOrWhiteSpace($path)) {
        # build.ps1 -Task Test starts a test world as root on Linux, and says here why it did not.
        if ($env:SYSVMPATCH_NO_LAB_REASON) { return "no test world: $env:SYSVMPATCH_NO_LAB_REASON" }
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

function Get-LabNote {
    <#
    The suffix for the name of a block that needs the test world: Pester 5 prints skipped tests but not why, so the
    reason goes into the name. Empty when the lab can run.
    #>
    param([string] $SkipReason = (Get-LabSkipReason))
    if ($SkipReason) { " - skipped, $SkipReason" } else { '' }
}

function Get-PwshCommand {
    <#
    This PowerShell as a command line for a fresh process: the executable, then the arguments that come before
    pwsh's own. `dotnet pwsh` (the local .NET tool) runs pwsh.dll through dotnet; Windows PowerShell is powershell.exe.
    #>
    $process = (Get-Process -Id $PID).Path
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    @($process)
}

function Get-PackageSkipReason {
    <# Why the package test cannot run here (it needs pwsh 7 with PSResourceGet, and a HOME it can redirect), or $null. #>
    if ($PSVersionTable.PSEdition -ne 'Core') {
        return 'the package test needs PowerShell 7: build.ps1 and PSResourceGet do not run in Windows PowerShell 5.1'
    }
    if ($IsWindows) {
        return "the package test installs with Install-PSResource -Scope CurrentUser into a fresh HOME, and Windows does not take the user's module path from HOME"
    }
    if (-not (Get-Module -ListAvailable -Name Microsoft.PowerShell.PSResourceGet)) {
        return 'the package test needs the Microsoft.PowerShell.PSResourceGet module (part of PowerShell 7.4 and later)'
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

function Read-VmSignature {
    <#
    A test-world VM's signature file, read with plain OpenSSH through the lab's own ssh_config, so the expected value
    does not come from the code under test. Call only when Get-LabSkipReason is $null.
    #>
    param([Parameter(Mandatory)] [string] $Name, $Lab = (Get-LabState))
    $text = & ssh -F $Lab.SshConfigFile -o BatchMode=yes $Name 'cat /var/cache/cloud/cloud-scripts-signature' 2>$null
    if ($LASTEXITCODE -ne 0) { throw "ssh to $Name through $($Lab.SshConfigFile) failed with exit code $LASTEXITCODE" }
    ([string]($text -join '')).Trim().ToLowerInvariant()
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
        ($ErrorRecord | Out-String -Width 4096)
        ($ErrorRecord | Format-List * -Force | Out-String -Width 4096)
        $ErrorRecord.Exception.ToString()
        [string]$ErrorRecord.TargetObject
        [string]$ErrorRecord.ErrorDetails
    )
    $parts -join "`n"
}

function New-TestVm {
    <#
    A VM as Get-SystemVm would emit it (KVM, zone1), read from a connection named 'offline' that is never made and
    with no link-local IP or host address: an API call on it fails with "not connected to 'offline'", an SSH one at
    Connect, and Compare-SysVmVersion with -TargetVersion needs no server. So tests on it change nothing anywhere.
    Properties whose parameter is not given stay unset, as on a VM whose record lacks them.
    #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [string] $Type = 'Router',
        [string] $TemplateVersion = '4.18.0',
        [string] $SoftwareVersion,
        [string] $Signature,
        [string] $State = 'Running',
        [string] $NetworkId,
        [string] $RedundantState
    )
    $properties = @{
        Id              = [guid]::NewGuid().ToString()
        Name            = $Name
        Type            = [SysVmPatch.Engine.Inventory.SystemVmType]$Type
        State           = $State
        ZoneName        = 'zone1'
        TemplateVersion = $TemplateVersion
        Hypervisor      = 'KVM'
        Server          = 'offline'
    }
    if ($SoftwareVersion) { $properties.SoftwareVersion = $SoftwareVersion }
    if ($Signature) { $properties.ScriptsSignature = $Signature }
    if ($NetworkId) { $properties.NetworkId = $NetworkId; $properties.NetworkName = "net-$NetworkId" }
    if ($RedundantState) { $properties.IsRedundant = $true; $properties.RedundantState = $RedundantState }
    [SysVmPatch.Engine.Inventory.SystemVm]$properties
}

function New-TestBundle {
    <#
    A patch bundle as shipped in /usr/share/cloudstack-common/vms: a real agent.zip and a real cloud-scripts.tgz
    (PatchBundle refuses anything that is not zip and gzip'd tar). The scripts replace two of the lab VMs' scripts and
    add one, as TestBundle.cs in the unit tests does, and carry a fresh GUID, so no VM can already run them. The
    sources are built next to the folder, which holds only the two files. Returns the folder and the lowercase MD5
    of cloud-scripts.tgz (the bundle's signature). Needs tar on the PATH.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $sources = "$Path-src"
    $agentSource = Join-Path $sources 'agent'
    $scriptsSource = Join-Path $sources 'scripts'
    $bin = Join-Path $scriptsSource 'opt/cloud/bin'
    New-Item -ItemType Directory -Path $Path, (Join-Path $agentSource 'conf'), $bin -Force | Out-Null
    $marker = "# scripts of the Pester bundle $([guid]::NewGuid())"
    Set-Content -LiteralPath (Join-Path $agentSource 'cloud-agent.jar') -Value 'new agent jar'
    Set-Content -LiteralPath (Join-Path $agentSource 'conf/log4j-cloud.xml') -Value '<configuration/>'
    foreach ($name in 'get_template_version.sh', 'ipassoc.sh', 'new_in_pester.sh') {
        Set-Content -LiteralPath (Join-Path $bin $name) -Value "#!/bin/bash`n$marker"
    }
    $zip = Join-Path $Path 'agent.zip'
    $tgz = Join-Path $Path 'cloud-scripts.tgz'
    Compress-Archive -Path (Join-Path $agentSource '*') -DestinationPath $zip -Force
    & tar -czf $tgz -C $scriptsSource ./opt
    if ($LASTEXITCODE -ne 0) { throw "tar -czf $tgz failed with exit code $LASTEXITCODE" }
    [pscustomobject]@{
        Path = $Path
        Md5  = (Get-FileHash -LiteralPath $tgz -Algorithm MD5).Hash.ToLowerInvariant()
    }
}

function Add-TestBundleCaCertificate {
    <#
    Puts a fresh self-signed CA certificate (PEM) into the bundle's ca-certificates folder, the layout
    Invoke-LivePatch reads for SSVMs and CPVMs. Returns the PEM's first base64 line, which the VM's
    /etc/ssl/certs/ca-certificates.crt holds once the certificate is trusted.
    #>
    param([Parameter(Mandatory)] [string] $Path, [string] $Name = 'pester-ca.crt')
    $key = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new(
        "CN=SysVmPatch Pester CA $([guid]::NewGuid().ToString('n').Substring(0, 6))", $key,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $cert = $request.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::UtcNow.AddYears(1))
    $pem = $cert.ExportCertificatePem()
    $folder = Join-Path $Path 'ca-certificates'
    New-Item -ItemType Directory -Path $folder -Force | Out-Null
    Set-Content -LiteralPath (Join-Path $folder $Name) -Value $pem -NoNewline
    ($pem -split "`n")[1].Trim()
}

# What Restart-SysVm and Invoke-LivePatch share through their base cmdlets (RolloutCmdlet, SshCmdlet): the parameters,
# and values each of them refuses while binding (as -ForEach data of 'rejects -<Parameter> <Value> while binding',
# so they are defined here, where BeforeDiscovery sees them).
$RolloutAndSshParameters = @(
    'BatchSize', 'ThrottleLimit', 'MaxFailures', 'DelaySec', 'HistoryPath',
    'KeyFile', 'JumpKeyFile', 'KnownHostsFile', 'JumpHost', 'JumpUser', 'ConnectTimeoutSec', 'SshOption'
)
$RolloutRejectedValues = @(
    @{ Parameter = 'BatchSize'; Value = 0 }
    @{ Parameter = 'ThrottleLimit'; Value = 0 }
    @{ Parameter = 'MaxFailures'; Value = -1 }
    @{ Parameter = 'DelaySec'; Value = -1 }
    @{ Parameter = 'HistoryPath'; Value = '' }
    @{ Parameter = 'ConnectTimeoutSec'; Value = 0 }
)

function Assert-CommandHasParameter {
    <# Fails unless the command has every named parameter. #>
    param(
        [Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command,
        [Parameter(Mandatory)] [string[]] $Name
    )
    foreach ($n in $Name) {
        $Command.Parameters.Keys | Should -Contain $n
    }
}

function Assert-VmPipelineParameter {
    <# Fails unless the command requires -Vm as SystemVm[], bound from the pipeline by value and by property name. #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $vm = $Command.Parameters['Vm']
    $vm.ParameterType | Should -Be ([SysVmPatch.Engine.Inventory.SystemVm[]])
    $attribute = $vm.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
    $attribute.Mandatory | Should -BeTrue
    $attribute.ValueFromPipeline | Should -BeTrue
    $attribute.ValueFromPipelineByPropertyName | Should -BeTrue
}

function Assert-AsksBeforeChanging {
    <# Fails unless the command supports -WhatIf and -Confirm and asks by default (ConfirmImpact High). #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $Command.Parameters.Keys | Should -Contain 'WhatIf'
    $Command.Parameters.Keys | Should -Contain 'Confirm'
    $cmdlet = $Command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) | Select-Object -First 1
    $cmdlet.SupportsShouldProcess | Should -BeTrue
    "$($cmdlet.ConfirmImpact)" | Should -Be 'High'
}

function Assert-HelpDocumentsEveryParameter {
    <# Fails unless the command's help page (docs/help/<name>.md) has a '### -<Parameter>' heading for each parameter but the common ones. #>
    param(
        [Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command,
        [string] $HelpFile = (Join-Path $RepoRoot "docs/help/$($Command.Name).md")
    )
    $help = Get-Content -Raw -LiteralPath $HelpFile
    foreach ($name in $Command.Parameters.Keys) {
        if ($name -in [System.Management.Automation.PSCmdlet]::CommonParameters) { continue }
        $help | Should -Match "### -$name\r?\n"
    }
}

function Assert-RejectedWhileBinding {
    <# Fails unless running the command with these arguments ends in a parameter-binding error whose id is like $ErrorId. #>
    param(
        [Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command,
        [Parameter(Mandatory)] [hashtable] $Arguments,
        [string] $ErrorId = 'ParameterArgument*'
    )
    $err = Get-TerminatingError { & $Command @Arguments }
    $err | Should -Not -BeNullOrEmpty
    $err.FullyQualifiedErrorId | Should -BeLike $ErrorId
}

function Invoke-FreshPwsh {
    <#
    Runs a script in a new pwsh whose HOME and working folder are $UserHome and $Work, without this session's
    PSModulePath; returns its exit code and output. Extra environment variables (secrets) go in -Environment, never
    on the command line. A run that hangs is killed after $TimeoutSec. PowerShell 7 only (ProcessStartInfo.ArgumentList).
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Environment = @{},
        [int] $TimeoutSec = 300
    )
    $file = Join-Path $Work "step-$([guid]::NewGuid().ToString('n')).ps1"
    Set-Content -LiteralPath $file -Value "`$ErrorActionPreference = 'Stop'`n$Script" -Encoding utf8
    $pwsh = Get-PwshCommand
    $start = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)) { $start.ArgumentList.Add($argument) }
    $start.WorkingDirectory = $Work
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    foreach ($name in 'PSModulePath', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME') { $null = $start.Environment.Remove($name) }
    $start.Environment['HOME'] = $UserHome
    foreach ($key in $Environment.Keys) { $start.Environment[$key] = [string]$Environment[$key] }
    $process = [System.Diagnostics.Process]::Start($start)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($TimeoutSec * 1000)) {
        $process.Kill($true)
        throw "A fresh pwsh running $file did not end within $TimeoutSec s."
    }
    $process.WaitForExit()
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Error = $stderr.Result }
}

function Assert-StepSucceeded {
    param([Parameter(Mandatory)] $Step, [Parameter(Mandatory)] [string] $What)
    if ($Step.ExitCode -ne 0) { throw "$What failed (exit code $($Step.ExitCode)):`n$($Step.Output)`n$($Step.Error)" }
}

function Get-WhatIfText {
    # What -WhatIf prints goes to the host, not to a stream; a transcript records it. Non-terminating errors
    # come back separately (the script block's own -ErrorVariable would live in its own scope).
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $transcript = Join-Path $TestDrive ("transcript-" + [guid]::NewGuid().ToString('n') + '.txt')
    Start-Transcript -LiteralPath $transcript | Out-Null
    try { $all = @(& $ScriptBlock 2>&1) }
    finally { Stop-Transcript | Out-Null }
    [pscustomobject]@{
        Output = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        Errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        Text   = (Get-Content -Raw -LiteralPath $transcript)
    }
}
