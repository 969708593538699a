# Turns an about topic in PlatyPS's about markdown (docs/help/about_<Name>.md: '# <Name>', '## about_<Name>', then
# '# SHORT DESCRIPTION', '# LONG DESCRIPTION', ...) into about_<Name>.help.txt, the plain text Get-Help shows, laid
# out as PlatyPS lays it out: headings at the margin, text indented four spaces and wrapped within 79 columns, code
# indented eight. Needs Read-PlatyPSMarkdown.ps1. Windows PowerShell 5.1 and PowerShell 7.

function ConvertTo-AboutHelpText {
    <# Renders the about markdown file at $Path; throws naming the file when it is not an about topic. #>
    param([Parameter(Mandatory)] [string] $Path, [int] $Width = 79)
    $source = Split-Path -Leaf $Path
    $doc = Split-HelpMarkdown -Line @(Get-Content -LiteralPath $Path -Encoding UTF8) -SourceName $source
    $headings = @($doc.Blocks | Where-Object Kind -eq 'Heading')
    if ($headings.Count -lt 2 -or $headings[0].Level -ne 1 -or $headings[1].Level -ne 2 -or $headings[1].Text -notmatch '^about_\w+$') {
        throw "${source}: an about topic starts with '# <Topic name>' and then '## about_<Name>' (the name Get-Help finds it by)."
    }
    $topic = $headings[1].Text
    $expected = [System.IO.Path]::GetFileNameWithoutExtension($source)
    if ($topic -ne $expected) { throw "${source}: '## $topic' should be '## $expected', the file's name." }
    foreach ($required in 'SHORT DESCRIPTION', 'LONG DESCRIPTION') {
        if (-not ($headings | Where-Object { $_.Level -eq 1 -and $_.Text -eq $required })) { throw "${source}: no '# $required' section." }
    }

    $out = New-Object System.Collections.Generic.List[string]
    $out.Add('TOPIC')
    $out.Add("    $topic")
    $out.Add('')
    $skip = 2   # the two title headings, rendered above
    foreach ($b in $doc.Blocks) {
        if ($b.Kind -eq 'Heading' -and $skip -gt 0) { $skip--; continue }
        switch ($b.Kind) {
            'Heading' {
                if ($b.Level -eq 1) { $out.Add($b.Text.ToUpperInvariant()) }
                elseif ($b.Level -eq 2) { $out.Add("  $($b.Text)") }
                else { $out.Add("    $($b.Text)") }
            }
            'Code' {
                foreach ($l in $b.Lines) { $out.Add(("        $l").TrimEnd()) }
                $out.Add('')
            }
            'Text' {
                $paragraphs = ConvertTo-HelpParagraph @($b)
                foreach ($p in $paragraphs) {
                    $isItem = $p -match '^\s*([-*+]|\d+\.) '
                    if (-not $isItem -and $out.Count -gt 0 -and $out[$out.Count - 1] -ne '') { $out.Add('') }
                    foreach ($l in (Format-HelpParagraph -Paragraph $p -Width ($Width - 4))) { $out.Add("    $l") }
                    if (-not $isItem) { $out.Add('') }
                }
                if ($out.Count -gt 0 -and $out[$out.Count - 1] -ne '') { $out.Add('') }
            }
        }
    }
    while ($out.Count -gt 0 -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    ($out -join [Environment]::NewLine) + [Environment]::NewLine
}
