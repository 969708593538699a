# Dot-sourced by build.ps1: finds the Pester module the tests run with, without naming any registry.
#
# The pinned version is the one tools/PesterRestore/PesterRestore.csproj downloads. A `dotnet restore` of that project
# puts it into the NuGet package cache (<global-packages>/pester/<version>/tools/Pester.psd1), which is how CI and a
# fresh clone get it; a workstation that has Pester 5 installed as a module (Install-PSResource Pester) can use that.

function Get-PinnedPesterVersion {
    param([Parameter(Mandatory)] [string] $RepositoryRoot)
    $project = Join-Path $RepositoryRoot 'tools/PesterRestore/PesterRestore.csproj'
    [xml] $xml = Get-Content -Raw -LiteralPath $project
    $node = $xml.SelectSingleNode("//PackageDownload[@Include='Pester']")
    if (-not $node -or $node.GetAttribute('Version') -notmatch '^\[(\d+\.\d+\.\d+)\]$') {
        throw "$project has no PackageDownload of Pester with an exact version ([x.y.z])."
    }
    $Matches[1]
}

function Get-NuGetPackageCache {
    <# The NuGet global-packages folder, as dotnet itself reports it (NUGET_PACKAGES and nuget.config included). #>
    # All of the output first: a Select-Object -First in the same pipeline would stop dotnet before $LASTEXITCODE is set.
    $output = @(& dotnet nuget locals global-packages --list 2>$null)
    if ($LASTEXITCODE -ne 0) { return $null }
    $line = $output | Where-Object { $_ -match '^global-packages:\s*(.+)$' } | Select-Object -First 1
    if (-not $line) { return $null }
    ($line -replace '^global-packages:\s*', '').Trim()
}

function Find-Pester {
    <# The path of the Pester.psd1 to import: the pinned version from the NuGet cache (restored when missing), else an installed Pester 5. #>
    param([Parameter(Mandatory)] [string] $RepositoryRoot)
    $version = Get-PinnedPesterVersion -RepositoryRoot $RepositoryRoot
    $inCache = {
        $cache = Get-NuGetPackageCache
        if ($cache) {
            $path = Join-Path $cache "pester/$version/tools/Pester.psd1"
            if (Test-Path -LiteralPath $path) { return $path }
        }
    }
    $found = & $inCache
    if ($found) { return $found }

    Write-Host "Pester $version is not in the NuGet package cache: restoring tools/PesterRestore"
    & dotnet restore (Join-Path $RepositoryRoot 'tools/PesterRestore/PesterRestore.csproj') --nologo | Out-Host
    $found = & $inCache
    if ($found) { return $found }

    $installed = Get-Module -ListAvailable -Name Pester |
        Where-Object { $_.Version.Major -eq 5 -and $_.Version -ge [version]'5.1.0' } |
        Sort-Object Version -Descending | Select-Object -First 1
    if ($installed) {
        if ($installed.Version -ne [version]$version) { Write-Warning "Using the installed Pester $($installed.Version); CI runs $version." }
        return $installed.Path
    }
    throw "Pester $version is neither in the NuGet package cache (dotnet restore tools/PesterRestore failed) nor installed (Install-PSResource Pester -Version '[$version]')."
}
