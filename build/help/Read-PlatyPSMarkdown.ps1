# Reads the help sources in docs/help, PlatyPS's markdown (schema 2.0.0), into plain objects that
# Write-MamlHelp.ps1 and Write-AboutHelpText.ps1 render. Dot-sourced; Windows PowerShell 5.1 and PowerShell 7.
# Bad input ends with an error naming the file and what is wrong in it, never with half a help file.

function Split-HelpMarkdown {
    <#
    Splits markdown into blocks: Heading (Level, Text), Code (Language, Lines) and Text (Lines), in order, so that
    a '## ' line inside a code fence is code, not a heading. Front matter (between '---' lines at the top) goes into
    Metadata.
    #>
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [AllowEmptyString()] [string[]] $Line,
        [Parameter(Mandatory)] [string] $SourceName
    )
    $metadata = @{}
    $start = 0
    if ($Line.Count -gt 0 -and $Line[0].Trim() -eq '---') {
        $end = -1
        for ($i = 1; $i -lt $Line.Count; $i++) { if ($Line[$i].Trim() -eq '---') { $end = $i; break } }
        if ($end -lt 0) { throw "${SourceName}: the front matter that starts on line 1 has no closing '---' line." }
        for ($i = 1; $i -lt $end; $i++) {
            if ($Line[$i] -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $metadata[$Matches[1]] = $Matches[2] }
        }
        $start = $end + 1
    }

    $blocks = New-Object System.Collections.Generic.List[object]
    $text = $null
    $code = $null
    $codeStart = 0
    for ($i = $start; $i -lt $Line.Count; $i++) {
        $l = $Line[$i]
        if ($null -ne $code) {
            if ($l -match '^\s*```\s*$') { $blocks.Add($code); $code = $null } else { $code.Lines.Add($l) }
            continue
        }
        if ($l -match '^\s*```\s*(\S*)\s*$') {
            if ($null -ne $text) { $blocks.Add($text); $text = $null }
            $code = [pscustomobject]@{ Kind = 'Code'; Language = $Matches[1]; Lines = New-Object System.Collections.Generic.List[string] }
            $codeStart = $i + 1
            continue
        }
        if ($l -match '^(#{1,6})\s+(.*?)\s*$') {
            if ($null -ne $text) { $blocks.Add($text); $text = $null }
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches[1].Length; Text = $Matches[2]; LineNumber = $i + 1 })
            continue
        }
        if ($null -eq $text) { $text = [pscustomobject]@{ Kind = 'Text'; Lines = New-Object System.Collections.Generic.List[string] } }
        $text.Lines.Add($l)
    }
    if ($null -ne $code) { throw "${SourceName}: the code fence opened on line $codeStart is never closed." }
    if ($null -ne $text) { $blocks.Add($text) }
    [pscustomobject]@{ Metadata = $metadata; Blocks = $blocks }
}

function ConvertTo-HelpParagraph {
    <#
    Turns markdown text into help paragraphs: the soft-wrapped lines of a paragraph join into one (Get-Help wraps them
    to the console), each list item is a paragraph of its own (nested items keep a two-space indent), and a code
    block inside the text keeps its lines, indented by four spaces; a table becomes a list. Inline markdown stays as
    written, as PlatyPS keeps it.
    #>
    param([object[]] $Block)
    $paragraphs = New-Object System.Collections.Generic.List[string]
    foreach ($b in $Block) {
        if ($b.Kind -eq 'Code') {
            $paragraphs.Add((($b.Lines | ForEach-Object { "    $_" }) -join "`n"))
            continue
        }
        if ($b.Kind -ne 'Text') { continue }
        $current = $null
        $inTable = $false
        foreach ($l in $b.Lines) {
            if ($l.Trim().Length -eq 0) {
                if ($null -ne $current) { $paragraphs.Add($current); $current = $null }
                $inTable = $false
            }
            elseif ($l -match '^\s*\|') {
                # A table keeps its rows, one line each.
                if ($inTable) { $current = "$current`n$($l.Trim())" }
                else {
                    if ($null -ne $current) { $paragraphs.Add($current) }
                    $current = $l.Trim()
                    $inTable = $true
                }
            }
            elseif ($l -match '^(\s*)([-*+]|\d+\.)\s+(.*)$') {
                $inTable = $false
                if ($null -ne $current) { $paragraphs.Add($current) }
                $indent = if ($Matches[1].Length -ge 2) { '  ' } else { '' }
                $current = "$indent$($Matches[2]) $($Matches[3].Trim())"
            }
            elseif ($inTable) { $paragraphs.Add($current); $current = $l.Trim(); $inTable = $false }
            elseif ($null -eq $current) { $current = $l.Trim() }
            else { $current = "$current $($l.Trim())" }
        }
        if ($null -ne $current) { $paragraphs.Add($current) }
    }
    # A console has no tables: each row becomes a list item, 'first cell: the other cells', under the header row.
    $result = New-Object System.Collections.Generic.List[string]
    foreach ($p in $paragraphs) {
        if (-not $p.StartsWith('|')) { $result.Add($p); continue }
        $rows = @($p -split "`n" | Where-Object { $_ -notmatch '^\|?[\s:|-]+$' } | ForEach-Object {
            , @($_.Trim().Trim('|') -split '\|' | ForEach-Object { $_.Trim() })
        })
        for ($r = 0; $r -lt $rows.Count; $r++) {
            $cells = $rows[$r]
            $line = "$($cells[0]): $(@($cells | Select-Object -Skip 1) -join '; ')"
            if ($r -eq 0) { $result.Add($line) } else { $result.Add("- $line") }
        }
    }
    , $result.ToArray()
}

function Get-HelpSection {
    <# Groups blocks by their '## ' heading: an ordered dictionary from the upper-case section name to its blocks. #>
    param([Parameter(Mandatory)] [object[]] $Block, [Parameter(Mandatory)] [string] $SourceName)
    $sections = [ordered]@{}
    $current = $null
    foreach ($b in $Block) {
        if ($b.Kind -eq 'Heading' -and $b.Level -le 2) {
            if ($b.Level -eq 1) { $current = $null; continue }
            $current = $b.Text.Trim().ToUpperInvariant()
            if ($sections.Contains($current)) { throw "${SourceName}: line $($b.LineNumber): a second '## $($b.Text)' section." }
            $sections[$current] = New-Object System.Collections.Generic.List[object]
            continue
        }
        if ($null -ne $current) { $sections[$current].Add($b) }
        elseif ($b.Kind -ne 'Text' -or ($b.Lines -join '').Trim()) {
            if ($b.Kind -ne 'Heading') { throw "${SourceName}: text before the first '## ' section." }
        }
    }
    $sections
}

function Split-HelpSubsection {
    <#
    Splits a section's blocks at its '### ' headings: objects with Title (null for what comes before the first) and
    Blocks, written one by one (a foreach over the call sees each part).
    #>
    param([object[]] $Block)
    $parts = New-Object System.Collections.Generic.List[object]
    $current = [pscustomobject]@{ Title = $null; Blocks = New-Object System.Collections.Generic.List[object] }
    foreach ($b in $Block) {
        if ($b.Kind -eq 'Heading' -and $b.Level -eq 3) {
            if ($null -ne $current.Title -or $current.Blocks.Count -gt 0) { $parts.Add($current) }
            $current = [pscustomobject]@{ Title = $b.Text.Trim(); Blocks = New-Object System.Collections.Generic.List[object] }
        }
        else { $current.Blocks.Add($b) }
    }
    if ($null -ne $current.Title -or $current.Blocks.Count -gt 0) { $parts.Add($current) }
    $parts
}

function Test-HelpTextEmpty {
    param([object[]] $Block)
    -not ($Block | Where-Object { $_.Kind -eq 'Code' -or ($_.Kind -eq 'Text' -and ($_.Lines -join '').Trim()) })
}

function Format-WrappedText {
    <# Wraps one paragraph to $Width columns: the first line after $Indent, the rest after $HangingIndent. #>
    param([string] $Text, [string] $Indent, [string] $HangingIndent, [int] $Width)
    $lines = New-Object System.Collections.Generic.List[string]
    $line = $Indent
    $empty = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and ($line.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($line)
            $line = $HangingIndent + $word
        }
        elseif ($empty) { $line += $word }
        else { $line += " $word" }
        $empty = $false
    }
    if (-not $empty) { $lines.Add($line) }
    $lines
}

function Format-HelpParagraph {
    <#
    Wraps one paragraph from ConvertTo-HelpParagraph at word boundaries to $Width columns; a list item's further lines
    line up after its marker, and a paragraph that already has line breaks (a code block) is left as it is. The help
    view of Get-Help breaks long lines wherever the console ends, even inside a word, so the help is wrapped here.
    #>
    param([Parameter(Mandatory)] [string] $Paragraph, [Parameter(Mandatory)] [int] $Width)
    if ($Paragraph.Contains("`n")) { return , @($Paragraph -split "`n") }
    if ($Paragraph -match '^(\s*)([-*+]|\d+\.) ') {
        $hang = $Matches[1] + (' ' * ($Matches[2].Length + 1))
        return , @(Format-WrappedText -Text $Paragraph.Trim() -Indent $Matches[1] -HangingIndent $hang -Width $Width)
    }
    , @(Format-WrappedText -Text $Paragraph -Indent '' -HangingIndent '' -Width $Width)
}
