# Dot-sourced by build.ps1: starts the test world (tests/TestWorld) for the Pester tests that need one, and stops it.
#
# `SysVmPatch.TestWorld up` builds hypervisor hosts and VMs in network namespaces, runs the fake CloudStack server
# beside them, prints the path of the state file the Pester tests read (SYSVMPATCH_LAB_STATE) once everything is
# written, and runs until SIGTERM; `down` sends that signal and cleans up whatever a lab left behind.

function Get-LabStartRefusal {
    <# Why no test world can be started here, or $null when one can (or when SYSVMPATCH_LAB_STATE already names one). #>
    if ($env:SYSVMPATCH_LAB_STATE) { return $null }
    if (-not $IsLinux) { return "the test world needs Linux (network namespaces); this is $([Runtime.InteropServices.RuntimeInformation]::OSDescription)" }
    if ((& id -u) -ne '0') { return 'the test world needs root (network namespaces, sshd); run the test command as root' }
    if (-not ((Test-Path -LiteralPath '/usr/sbin/sshd') -or (Get-Command sshd -ErrorAction SilentlyContinue))) {
        return 'the test world needs sshd (the openssh-server package), which is not installed'
    }
    $null
}

function Start-TestWorld {
    <# Builds and starts the test world; returns a session for Stop-TestWorld once its state file is complete. #>
    param(
        [Parameter(Mandatory)] [string] $RepositoryRoot,
        [Parameter(Mandatory)] [string] $Configuration,
        [Parameter(Mandatory)] [string] $LogPath,
        [int] $TimeoutSec = 300
    )
    $project = Join-Path $RepositoryRoot 'tests/TestWorld/SysVmPatch.TestWorld.csproj'
    & dotnet build $project -c $Configuration --nologo -v quiet | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet build $project failed with exit code $LASTEXITCODE" }
    $dll = Get-ChildItem -LiteralPath (Join-Path $RepositoryRoot "tests/TestWorld/bin/$Configuration") -Recurse -Filter 'SysVmPatch.TestWorld.dll' |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    if (-not $dll) { throw "The test world's build left no SysVmPatch.TestWorld.dll under tests/TestWorld/bin/$Configuration." }

    New-Item -ItemType Directory -Path (Split-Path $LogPath -Parent) -Force | Out-Null
    Write-Host "Starting the test world (log: $LogPath)"
    $process = Start-Process -FilePath 'dotnet' -ArgumentList @($dll.FullName, 'up') -PassThru `
        -RedirectStandardOutput $LogPath -RedirectStandardError "$LogPath.stderr"
    $session = [pscustomobject]@{ Process = $process; Dll = $dll.FullName; LogPath = $LogPath; StatePath = $null }
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not $session.StatePath) {
        # The lab prints its state file's path after writing it, and after the management server's own file.
        $announced = Select-String -LiteralPath $LogPath -Pattern '^\s+pester-state\s+(\S+)\s*$' -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($announced) { $session.StatePath = $announced.Matches[0].Groups[1].Value; break }
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            $why = if ($process.HasExited) { "exited with code $($process.ExitCode) before it was up" } else { "was not up within $TimeoutSec s" }
            $tail = @(Get-Content -LiteralPath $LogPath, "$LogPath.stderr" -Tail 15 -ErrorAction SilentlyContinue) -join "`n"
            Stop-TestWorld -Session $session
            throw "The test world $why. The end of its log:`n$tail"
        }
        Start-Sleep -Milliseconds 500
    }
    $state = Get-Content -Raw -LiteralPath $session.StatePath | ConvertFrom-Json
    if (-not $state.Endpoint) { Stop-TestWorld -Session $session; throw "The test world's state file $($session.StatePath) has no Endpoint." }
    Write-Host "The test world is up: $($state.Endpoint), state file $($session.StatePath)"
    $session
}

function Stop-TestWorld {
    <# Stops the lab process the session started, whatever state it is in; never throws (it runs in finally blocks). #>
    param([Parameter(Mandatory)] $Session)
    try {
        if (-not $Session.Process.HasExited) {
            Write-Host 'Stopping the test world'
            # `down` signals the lab process named in the lab's state.json and waits for it to clean up.
            & dotnet $Session.Dll down | Out-Host
        }
        if (-not $Session.Process.WaitForExit(30000)) {
            Write-Warning "The test world (process $($Session.Process.Id)) did not stop; killing it."
            $Session.Process.Kill($true)
            $null = $Session.Process.WaitForExit(10000)
            & dotnet $Session.Dll down | Out-Host
        }
    }
    catch {
        Write-Warning "Stopping the test world failed: $($_.Exception.Message)"
    }
}
