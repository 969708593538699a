# Writes MAML, the XML Get-Help reads for compiled cmdlets (<assembly>-Help.xml), from the objects
# Read-CommandHelp.ps1 returns: the same elements PlatyPS's New-ExternalHelp writes. Windows PowerShell 5.1 and
# PowerShell 7. An XmlWriter does the escaping, so a '<' or '&' in the help text cannot break the file.

$script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-MamlParagraph {
    <#
    Writes the paragraphs inside $Element, wrapped so that each line, with the indent Get-Help puts before it (4
    spaces; 8 for a parameter's description, an input or output type's description and the notes), ends within 80
    columns, one short of them: a line of exactly 80 wraps in an 80-column console.
    #>
    param([System.Xml.XmlWriter] $Writer, [string] $Element, [string[]] $Paragraph, [int] $Width = 75)
    if ($Element) { $Writer.WriteStartElement('maml', $Element, $script:MamlNs) }
    foreach ($p in $Paragraph) {
        $lines = Format-HelpParagraph -Paragraph $p -Width $Width
        $Writer.WriteElementString('maml', 'para', $script:MamlNs, ($lines -join "`n"))
    }
    if ($Element) { $Writer.WriteEndElement() }
}

function Get-ParameterVariant {
    <# The yaml block of a parameter that applies to a parameter set: the one naming the set, else '(All)'. #>
    param([object] $Parameter, [string] $SetName)
    $named = $Parameter.Variants | Where-Object { $_.Sets -contains $SetName } | Select-Object -First 1
    if ($named) { return $named }
    $Parameter.Variants | Where-Object { $_.Sets -contains '(All)' } | Select-Object -First 1
}

function Write-MamlParameter {
    param([System.Xml.XmlWriter] $Writer, [object] $Parameter, [object] $Variant, [switch] $InSyntax)
    $isSwitch = $Variant.Type -eq 'SwitchParameter'
    $w = $Writer
    $w.WriteStartElement('command', 'parameter', $script:CommandNs)
    $w.WriteAttributeString('required', $Variant.Required.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', $Variant.Type.EndsWith('[]').ToString().ToLowerInvariant())
    $w.WriteAttributeString('globbing', $Variant.Globbing.ToString().ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $Variant.PipelineInput)
    $w.WriteAttributeString('position', $Variant.Position.ToLowerInvariant())
    $w.WriteAttributeString('aliases', $(if ($Variant.Aliases.Count -gt 0) { $Variant.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $script:MamlNs, $Parameter.Name)
    Write-MamlParagraph -Writer $w -Element 'description' -Paragraph $Parameter.Description -Width 71
    if ($InSyntax -and $Variant.AcceptedValues.Count -gt 0) {
        $w.WriteStartElement('command', 'parameterValueGroup', $script:CommandNs)
        foreach ($v in $Variant.AcceptedValues) {
            $w.WriteStartElement('command', 'parameterValue', $script:CommandNs)
            $w.WriteAttributeString('required', 'false')
            $w.WriteAttributeString('variableLength', 'false')
            $w.WriteString($v)
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    # A switch shows no value in the syntax ([-Force], not [-Force <SwitchParameter>]), as in PlatyPS's MAML.
    if (-not ($InSyntax -and $isSwitch)) {
        $w.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $w.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $w.WriteAttributeString('variableLength', $Variant.Type.EndsWith('[]').ToString().ToLowerInvariant())
        $w.WriteString($Variant.Type)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $script:DevNs)
    $w.WriteElementString('maml', 'name', $script:MamlNs, $Variant.Type)
    $w.WriteElementString('maml', 'uri', $script:MamlNs, '')
    $w.WriteEndElement()
    $w.WriteElementString('dev', 'defaultValue', $script:DevNs, $Variant.DefaultValue)
    $w.WriteEndElement()
}

function Write-MamlTypeList {
    param([System.Xml.XmlWriter] $Writer, [string] $ListElement, [string] $ItemElement, [object[]] $Type)
    $Writer.WriteStartElement('command', $ListElement, $script:CommandNs)
    foreach ($t in $Type) {
        $Writer.WriteStartElement('command', $ItemElement, $script:CommandNs)
        $Writer.WriteStartElement('dev', 'type', $script:DevNs)
        $Writer.WriteElementString('maml', 'name', $script:MamlNs, $t.TypeName)
        $Writer.WriteEndElement()
        Write-MamlParagraph -Writer $Writer -Element 'description' -Paragraph $t.Description -Width 71
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-MamlCommand {
    param([System.Xml.XmlWriter] $Writer, [object] $Command)
    $w = $Writer
    $verb, $noun = $Command.Name -split '-', 2
    $w.WriteStartElement('command', 'command', $script:CommandNs)
    $w.WriteStartElement('command', 'details', $script:CommandNs)
    $w.WriteElementString('command', 'name', $script:CommandNs, $Command.Name)
    $w.WriteElementString('command', 'verb', $script:CommandNs, $verb)
    $w.WriteElementString('command', 'noun', $script:CommandNs, $noun)
    Write-MamlParagraph -Writer $w -Element 'description' -Paragraph $Command.Synopsis
    $w.WriteEndElement()
    Write-MamlParagraph -Writer $w -Element 'description' -Paragraph $Command.Description

    $w.WriteStartElement('command', 'syntax', $script:CommandNs)
    foreach ($set in $Command.Sets) {
        $w.WriteStartElement('command', 'syntaxItem', $script:CommandNs)
        $w.WriteElementString('maml', 'name', $script:MamlNs, $Command.Name)
        $inSet = @($Command.Parameters | Where-Object { Get-ParameterVariant -Parameter $_ -SetName $set.Name })
        # The order the syntax line shows, then any parameter of the set that line leaves out.
        $ordered = @($set.ParameterOrder | ForEach-Object { $n = $_; $inSet | Where-Object Name -eq $n }) +
            @($inSet | Where-Object { $set.ParameterOrder -notcontains $_.Name })
        foreach ($p in $ordered) { Write-MamlParameter -Writer $w -Parameter $p -Variant (Get-ParameterVariant -Parameter $p -SetName $set.Name) -InSyntax }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $script:CommandNs)
    foreach ($p in $Command.Parameters) { Write-MamlParameter -Writer $w -Parameter $p -Variant $p.Variants[0] }
    $w.WriteEndElement()

    Write-MamlTypeList -Writer $w -ListElement 'inputTypes' -ItemElement 'inputType' -Type $Command.Inputs
    Write-MamlTypeList -Writer $w -ListElement 'returnValues' -ItemElement 'returnValue' -Type $Command.Outputs

    $w.WriteStartElement('maml', 'alertSet', $script:MamlNs)
    Write-MamlParagraph -Writer $w -Element 'alert' -Paragraph $Command.Notes -Width 71
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $script:CommandNs)
    foreach ($e in $Command.Examples) {
        $w.WriteStartElement('command', 'example', $script:CommandNs)
        # Get-Help prints the title as it is: dashes make it stand out, as in PlatyPS's MAML, as many as fit in 80
        # columns with the indent of 4.
        $dashes = '-' * [Math]::Max(2, [Math]::Min(26, [int][Math]::Floor((73 - $e.Title.Length) / 2)))
        $w.WriteElementString('maml', 'title', $script:MamlNs, "$dashes $($e.Title) $dashes")
        $w.WriteElementString('dev', 'code', $script:DevNs, $e.Code)
        $w.WriteStartElement('dev', 'remarks', $script:DevNs)
        Write-MamlParagraph -Writer $w -Element $null -Paragraph $e.Remarks
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $script:CommandNs)
    foreach ($l in $Command.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $script:MamlNs)
        $w.WriteElementString('maml', 'linkText', $script:MamlNs, $l.Text)
        $w.WriteElementString('maml', 'uri', $script:MamlNs, $l.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}

function Write-MamlHelpFile {
    <# Writes one MAML file holding the given commands' help. #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [object[]] $Command)
    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $true
    $settings.Encoding = New-Object System.Text.UTF8Encoding($false)
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        $writer.WriteAttributeString('xmlns', 'maml', $null, $script:MamlNs)
        $writer.WriteAttributeString('xmlns', 'command', $null, $script:CommandNs)
        $writer.WriteAttributeString('xmlns', 'dev', $null, $script:DevNs)
        foreach ($c in $Command) { Write-MamlCommand -Writer $writer -Command $c }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally { $writer.Dispose() }
}
