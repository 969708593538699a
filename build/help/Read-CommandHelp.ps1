# Reads one cmdlet's PlatyPS markdown page (docs/help/<Verb-Noun>.md) into an object with the parts MAML has:
# synopsis, syntax (parameter sets), description, parameters with their yaml metadata, inputs, outputs, notes,
# examples and related links. Needs Read-PlatyPSMarkdown.ps1. Windows PowerShell 5.1 and PowerShell 7.

$script:KnownCommandSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')

function Read-ParameterYaml {
    <# One '```yaml' block of a parameter: Type, Parameter Sets, Aliases, Accepted values, Required, Position, ... #>
    param([Parameter(Mandatory)] [object] $Code, [Parameter(Mandatory)] [string] $Where)
    $values = @{}
    foreach ($l in $Code.Lines) {
        if (-not $l.Trim()) { continue }
        if ($l -notmatch '^\s*([A-Za-z ]+?)\s*:\s*(.*?)\s*$') { throw "${Where}: '$l' in the yaml block is not 'Key: value'." }
        $values[$Matches[1]] = $Matches[2]
    }
    foreach ($key in 'Type', 'Parameter Sets', 'Required', 'Position') {
        if (-not $values.ContainsKey($key) -or -not $values[$key]) { throw "${Where}: the yaml block has no '${key}:' value." }
    }
    $split = { param($v) if ($v) { @($v -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ }) } else { @() } }
    $required = $values['Required']
    if ($required -notin 'True', 'False') { throw "${Where}: 'Required: $required' is neither True nor False." }
    [pscustomobject]@{
        Type           = $values['Type']
        Sets           = @(& $split $values['Parameter Sets'])
        Aliases        = @(& $split $values['Aliases'])
        AcceptedValues = @(& $split $values['Accepted values'])
        Required       = $required -eq 'True'
        Position       = $values['Position']
        DefaultValue   = if ($values.ContainsKey('Default value') -and $values['Default value']) { $values['Default value'] } else { 'None' }
        PipelineInput  = if ($values.ContainsKey('Accept pipeline input') -and $values['Accept pipeline input']) { $values['Accept pipeline input'] } else { 'False' }
        Globbing       = $values['Accept wildcard characters'] -eq 'True'
    }
}

function Read-TypeList {
    <# INPUTS and OUTPUTS: one '### <type name>' heading per type, its description below. #>
    param([object[]] $Block)
    foreach ($part in Split-HelpSubsection $Block) {
        if ($null -eq $part.Title) { continue }
        [pscustomobject]@{ TypeName = $part.Title; Description = ConvertTo-HelpParagraph $part.Blocks }
    }
}

function Read-CommandHelp {
    <# Parses docs/help/<Verb-Noun>.md; throws naming the file and the fault when a part MAML needs is missing. #>
    param([Parameter(Mandatory)] [string] $Path)
    $source = Split-Path -Leaf $Path
    $doc = Split-HelpMarkdown -Line @(Get-Content -LiteralPath $Path -Encoding UTF8) -SourceName $source
    if (-not $doc.Metadata['external help file']) { throw "${source}: the front matter names no 'external help file' (for example SysVmPatch.dll-Help.xml)." }
    $title = $doc.Blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 } | Select-Object -First 1
    if (-not $title) { throw "${source}: no '# <command name>' heading." }
    $name = $title.Text
    if ($name -notmatch '^[A-Za-z]+-[A-Za-z0-9]+$') { throw "${source}: '# $name' is not a Verb-Noun command name." }

    $sections = Get-HelpSection -Block $doc.Blocks -SourceName $source
    foreach ($s in $sections.Keys) {
        if ($s -notin $script:KnownCommandSections) { throw "${source}: '## $s' is not a PlatyPS section ($($script:KnownCommandSections -join ', '))." }
    }
    foreach ($s in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS') {
        if (-not $sections.Contains($s)) { throw "${source}: no '## $s' section." }
    }
    $synopsis = ConvertTo-HelpParagraph $sections['SYNOPSIS']
    if ($synopsis.Count -eq 0) { throw "${source}: the SYNOPSIS is empty." }
    $description = ConvertTo-HelpParagraph $sections['DESCRIPTION']
    if ($description.Count -eq 0) { throw "${source}: the DESCRIPTION is empty." }

    # Parameter sets in the order of '## SYNTAX', each with its parameters in the order its syntax line names them.
    $sets = foreach ($part in Split-HelpSubsection $sections['SYNTAX']) {
        $code = @($part.Blocks | Where-Object Kind -eq 'Code')
        if ($code.Count -eq 0) { continue }
        $setName = if ($part.Title) { ($part.Title -replace '\s*\(Default\)\s*$', '').Trim() } else { '__AllParameterSets' }
        $order = [regex]::Matches(($code[0].Lines -join ' '), '(?<![\w-])-(\w+)') | ForEach-Object { $_.Groups[1].Value }
        [pscustomobject]@{ Name = $setName; ParameterOrder = @($order) }
    }
    if (-not $sets) { throw "${source}: '## SYNTAX' has no syntax code block." }

    $parameters = foreach ($part in Split-HelpSubsection $sections['PARAMETERS']) {
        if ($null -eq $part.Title -or $part.Title -eq 'CommonParameters') { continue }
        if ($part.Title -notmatch '^-(\w+)$') { throw "${source}: '### $($part.Title)' under PARAMETERS is not '### -<Name>'." }
        $pname = $Matches[1]
        $where = "${source}: -$pname"
        $yaml = @($part.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yaml.Count -eq 0) { throw "${where} has no '``````yaml' block (Type, Parameter Sets, Required, Position, ...)." }
        $text = @($part.Blocks | Where-Object { -not ($_.Kind -eq 'Code' -and $_.Language -eq 'yaml') })
        $paras = ConvertTo-HelpParagraph $text
        if ($paras.Count -eq 0) { throw "${where} has no description." }
        [pscustomobject]@{ Name = $pname; Description = $paras; Variants = @($yaml | ForEach-Object { Read-ParameterYaml -Code $_ -Where $where }) }
    }

    $examples = foreach ($part in Split-HelpSubsection $sections['EXAMPLES']) {
        if ($null -eq $part.Title) { continue }
        $code = @($part.Blocks | Where-Object Kind -eq 'Code')
        if ($code.Count -eq 0) { throw "${source}: '### $($part.Title)' has no code block." }
        [pscustomobject]@{
            Title   = $part.Title
            Code    = ($code | ForEach-Object { $_.Lines -join "`n" }) -join "`n`n"
            Remarks = ConvertTo-HelpParagraph @($part.Blocks | Where-Object Kind -eq 'Text')
        }
    }
    if (-not $examples) { throw "${source}: '## EXAMPLES' has no '### Example' with code." }

    $links = if ($sections.Contains('RELATED LINKS')) {
        foreach ($b in $sections['RELATED LINKS']) {
            if ($b.Kind -ne 'Text') { continue }
            foreach ($m in [regex]::Matches(($b.Lines -join "`n"), '\[([^\]]+)\]\(([^)]*)\)')) {
                # Links to the other pages (Get-SystemVm.md) are by name only: Get-Help has no markdown to open.
                $uri = if ($m.Groups[2].Value -match '^https?://') { $m.Groups[2].Value } else { '' }
                [pscustomobject]@{ Text = $m.Groups[1].Value; Uri = $uri }
            }
        }
    }
    $online = $doc.Metadata['online version']
    if ($online) { $links = @([pscustomobject]@{ Text = 'Online Version:'; Uri = $online }) + @($links) }

    [pscustomobject]@{
        Name         = $name
        HelpFileName = $doc.Metadata['external help file']
        Synopsis     = $synopsis
        Description  = $description
        Sets         = @($sets)
        Parameters   = @($parameters)
        Inputs       = @(Read-TypeList $sections['INPUTS'])
        Outputs      = @(Read-TypeList $sections['OUTPUTS'])
        Notes        = if ($sections.Contains('NOTES')) { ConvertTo-HelpParagraph $sections['NOTES'] } else { @() }
        Examples     = @($examples)
        Links        = @($links | Where-Object { $_ })
    }
}
