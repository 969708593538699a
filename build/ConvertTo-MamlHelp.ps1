<#
.SYNOPSIS
    Builds the module's Get-Help content from docs/help: MAML for the cmdlets and about_*.help.txt for the topics.
.DESCRIPTION
    The help sources are PlatyPS markdown: one <Verb-Noun>.md per cmdlet (schema 2.0.0), and about_<Name>.md
    topics in PlatyPS's about layout. Where the platyPS module is installed, its New-ExternalHelp converts them.
    Elsewhere (PlatyPS cannot be installed on every build machine) this script's own converter does, writing the
    same MAML elements: each cmdlet page into the MAML file its front matter names ('external help file'), each
    about topic into about_<Name>.help.txt. A page that lacks a part Get-Help needs (synopsis, description, syntax,
    a parameter's yaml block or description, an example with code, inputs, outputs) stops the build with an error
    naming the file and the part. Runs in Windows PowerShell 5.1 and PowerShell 7.
.PARAMETER Path
    The folder of markdown help sources.
.PARAMETER OutputPath
    The folder to write the help files into (a module's <culture> folder, such as en-US); created if missing.
.PARAMETER Converter
    Auto (default): PlatyPS when installed, else the built-in converter. PlatyPS or BuiltIn force one.
.EXAMPLE
    ./build/ConvertTo-MamlHelp.ps1 -Path ./docs/help -OutputPath ./module/bin/en-US
#>
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $OutputPath,
    [ValidateSet('Auto', 'PlatyPS', 'BuiltIn')] [string] $Converter = 'Auto'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

if (-not (Test-Path -LiteralPath $Path -PathType Container)) { throw "The help source folder '$Path' does not exist." }
$Path = (Resolve-Path -LiteralPath $Path).ProviderPath
if (-not (Test-Path -LiteralPath $OutputPath)) { New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null }
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath

$usePlatyPS = switch ($Converter) {
    'PlatyPS' { $true }
    'BuiltIn' { $false }
    default { [bool](Get-Module -ListAvailable -Name platyPS) }
}
if ($usePlatyPS) {
    Import-Module platyPS -ErrorAction Stop
    Write-Verbose "Converting $Path with platyPS's New-ExternalHelp."
    New-ExternalHelp -Path $Path -OutputPath $OutputPath -Force
    return
}

. (Join-Path $PSScriptRoot 'help/Read-PlatyPSMarkdown.ps1')
. (Join-Path $PSScriptRoot 'help/Read-CommandHelp.ps1')
. (Join-Path $PSScriptRoot 'help/Write-MamlHelp.ps1')
. (Join-Path $PSScriptRoot 'help/Write-AboutHelpText.ps1')

$sources = @(Get-ChildItem -LiteralPath $Path -Filter '*.md' | Sort-Object Name)
# As PlatyPS tells them apart: about_*.md are topics, <Verb-Noun>.md are cmdlet pages; other markdown is left alone.
$topics = @($sources | Where-Object { $_.BaseName -like 'about_*' })
$pages = @($sources | Where-Object { $_.BaseName -notlike 'about_*' -and $_.BaseName -like '*-*' })
if ($pages.Count -eq 0) { throw "No cmdlet help pages (<Verb-Noun>.md) in '$Path'." }

# Parse everything before writing anything, so a bad page leaves no half-built help behind.
$commands = @($pages | ForEach-Object { Read-CommandHelp -Path $_.FullName })
$duplicate = $commands | Group-Object Name | Where-Object Count -gt 1 | Select-Object -First 1
if ($duplicate) { throw "Two help pages describe $($duplicate.Name)." }
$aboutTexts = @($topics | ForEach-Object { [pscustomobject]@{ Name = $_.BaseName; Text = ConvertTo-AboutHelpText -Path $_.FullName } })

foreach ($group in $commands | Group-Object HelpFileName) {
    $target = Join-Path $OutputPath $group.Name
    Write-Verbose "Writing the help of $($group.Group.Name -join ', ') to $target."
    Write-MamlHelpFile -Path $target -Command $group.Group
    Get-Item -LiteralPath $target
}
foreach ($about in $aboutTexts) {
    $target = Join-Path $OutputPath "$($about.Name).help.txt"
    Write-Verbose "Writing $target."
    [System.IO.File]::WriteAllText($target, $about.Text, (New-Object System.Text.UTF8Encoding($false)))
    Get-Item -LiteralPath $target
}
