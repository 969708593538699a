#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# The help as a user reads it: Get-Help on the built module (MAML from docs/help), checked against the cmdlets
# themselves, so a new or renamed parameter, parameter set, alias, enum value or output type without help fails.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $common = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
    $cmdlets = foreach ($name in (Import-PowerShellDataFile -LiteralPath $ManifestPath).CmdletsToExport) {
        $command = Get-Command -Name $name -Module SysVmPatch -CommandType Cmdlet -ErrorAction Stop
        $parameters = @($command.Parameters.Values | Where-Object { $_.Name -notin $common } | Sort-Object Name)
        $enumParameters = $parameters | Where-Object {
            $type = $_.ParameterType
            if ($type.IsArray) { $type = $type.GetElementType() }
            $type.IsEnum
        }
        @{
            Name           = $name
            Parameters     = @($parameters | ForEach-Object { @{ CommandName = $name; Parameter = $_.Name } })
            EnumParameters = @($enumParameters | ForEach-Object { @{ Parameter = $_.Name } })
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:common = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)

    function Get-HelpText {
        <# The text of a help element: paragraphs ({Text}) joined, or the string itself. #>
        param($Value)
        (@($Value) | ForEach-Object { if ($_ -is [string]) { $_ } else { $_.Text } }) -join "`n"
    }

    function Get-ErrorIdInSource {
        <#
        The error ids a cmdlet writes: the PascalCase string literals of the Fail(...), WriteEngineError(...) and
        new ErrorRecord(...) statements in its class and base classes (src/Cmdlets/**/<TypeName>.cs).
        #>
        param([Parameter(Mandatory)] [type] $Type)
        $files = for ($t = $Type; $t -and $t.Assembly -eq $Type.Assembly; $t = $t.BaseType) {
            Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'src/Cmdlets') -Recurse -Filter "$($t.Name).cs"
        }
        foreach ($file in $files) {
            $source = Get-Content -Raw -LiteralPath $file.FullName
            foreach ($statement in [regex]::Matches($source, '(?s)\b(?:Fail|WriteEngineError|new ErrorRecord)\((?!Exception exception).*?\);')) {
                [regex]::Matches($statement.Value, '"([A-Z][a-z]+(?:[A-Z][a-z]+)+)"') | ForEach-Object { $_.Groups[1].Value }
            }
        }
    }
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $command = Get-Command -Name $Name -Module SysVmPatch -CommandType Cmdlet
        $help = Get-Help -Name $Name -Full
        $fullText = $help | Out-String -Width 200
    }

    It 'comes from the MAML help file, not from the syntax PowerShell makes up without one' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $help.ModuleName | Should -Be 'SysVmPatch'
    }

    It 'has a description, and no PlatyPS placeholder anywhere' {
        (Get-HelpText $help.description).Trim().Length | Should -BeGreaterThan 80
        ($fullText -match '\{\{.*\}\}') | Should -BeFalse -Because "'{{ Fill ... }}' is what PlatyPS writes where help is still missing"
    }

    It 'has at least two examples, each with code' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            $e.title | Should -Not -BeNullOrEmpty
            $e.code.Trim() | Should -Not -BeNullOrEmpty
        }
        @($examples | Where-Object { $_.code -match [regex]::Escape($Name) }).Count | Should -BeGreaterOrEqual 2 -Because 'the examples show the cmdlet itself'
    }

    It 'names its inputs and its outputs, each output type the cmdlet declares' {
        @($help.inputTypes.inputType | Where-Object { $_.type.name }).Count | Should -BeGreaterThan 0
        $outputs = @($help.returnValues.returnValue | ForEach-Object { $_.type.name.Trim() })
        $outputs.Count | Should -BeGreaterThan 0
        foreach ($declared in $command.OutputType.Name | Where-Object { $_ -ne 'System.Void' }) {
            $outputs | Should -Contain $declared
        }
    }

    It 'documents exactly the parameters the cmdlet has' {
        $documented = @($help.parameters.parameter | ForEach-Object name | Where-Object { $_ -notin $script:common } | Sort-Object)
        $actual = @($command.Parameters.Keys | Where-Object { $_ -notin $script:common } | Sort-Object)
        $documented | Should -Be $actual
    }

    It 'shows one syntax per parameter set, with the parameters of that set' {
        $syntaxes = @($help.syntax.syntaxItem | ForEach-Object { (@($_.parameter | ForEach-Object name | Where-Object { $_ -notin $script:common } | Sort-Object)) -join ' ' } | Sort-Object)
        $sets = @($command.ParameterSets | ForEach-Object { (@($_.Parameters.Name | Where-Object { $_ -notin $script:common } | Sort-Object)) -join ' ' } | Sort-Object)
        $syntaxes | Should -Be $sets
    }

    It 'documents each error id the cmdlet writes' {
        foreach ($id in Get-ErrorIdInSource -Type $command.ImplementingType | Sort-Object -Unique) {
            # Not Should -Match: on failure it would print the whole help text.
            ($fullText -match "\b$id\b") | Should -BeTrue -Because "$Name writes errors with the id $id, which its help should name"
        }
    }

    Context '-<Parameter>' -ForEach $Parameters {
        BeforeAll {
            $metadata = (Get-Command -Name $CommandName -Module SysVmPatch).Parameters[$Parameter]
            $attributes = @($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
            $parameterHelp = Get-Help -Name $CommandName -Parameter $Parameter
        }

        It 'is described' {
            $text = (Get-HelpText $parameterHelp.description).Trim()
            $text.Length | Should -BeGreaterThan 10
            $text | Should -Not -Match '\{\{.*\}\}' -Because "'{{ Fill ... }}' is what PlatyPS writes for a parameter nobody described yet"
        }

        It 'has the type, aliases, pipeline input and wildcard support the cmdlet gives it' {
            $parameterHelp.type.name | Should -Be $metadata.ParameterType.Name
            $aliases = @(([string]$parameterHelp.aliases -split ',\s*') | Where-Object { $_ -and $_ -ne 'none' } | Sort-Object)
            $aliases | Should -Be @($metadata.Aliases | Sort-Object)
            $pipeline = [string]$parameterHelp.pipelineInput
            ($pipeline -match '\bByValue\b') | Should -Be ([bool]($attributes | Where-Object ValueFromPipeline))
            ($pipeline -match '\bByPropertyName\b') | Should -Be ([bool]($attributes | Where-Object ValueFromPipelineByPropertyName))
            $wildcards = [bool]($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            [string]$parameterHelp.globbing | Should -Be ([string]$wildcards).ToLowerInvariant() -Because 'Accept wildcard characters should say what [SupportsWildcards] says'
        }

        It 'is required and positioned as the cmdlet says' {
            # Where parameter sets differ, help shows one of them (the first yaml block of the page).
            $mandatory = @($attributes | ForEach-Object { ([string]$_.Mandatory).ToLowerInvariant() })
            [string]$parameterHelp.required | Should -BeIn $mandatory
            $positions = @($attributes | ForEach-Object { if ($_.Position -lt 0) { 'named' } else { [string]$_.Position } })
            [string]$parameterHelp.position | Should -BeIn $positions
        }
    }

    It 'lists the values -<Parameter> accepts, its enum''s names' -ForEach $EnumParameters {
        $type = $command.Parameters[$Parameter].ParameterType
        if ($type.IsArray) { $type = $type.GetElementType() }
        $syntaxParameter = $help.syntax.syntaxItem.parameter | Where-Object name -eq $Parameter | Select-Object -First 1
        @($syntaxParameter.parameterValueGroup.parameterValue | Sort-Object) | Should -Be @([enum]::GetNames($type) | Sort-Object)
    }
}

Describe 'Get-Help about_SysVmPatch' {
    BeforeAll {
        $topic = Get-Help about_SysVmPatch -ErrorAction Stop | Out-String -Width 200
    }

    It 'is found' {
        $topic | Should -Match '(?m)^TOPIC\s+about_SysVmPatch'
        $topic | Should -Match '(?m)^SHORT DESCRIPTION'
        $topic | Should -Match '(?m)^LONG DESCRIPTION'
    }

    It 'walks through <_>' -ForEach @('Connect-SysVmCloud', 'Get-SystemVm', 'Compare-SysVmVersion', 'Invoke-LivePatch', 'Restart-SysVm', 'Get-PatchHistory', 'Invoke-SysVmCommand', 'Enter-SysVm', 'Clear-SysVmAttention') {
        $topic | Should -Match ([regex]::Escape($_))
    }

    It 'has a troubleshooting part that names each error id the cmdlets write' {
        $topic | Should -Match '(?m)^TROUBLESHOOTING'
        $ids = Get-Command -Module SysVmPatch -CommandType Cmdlet | ForEach-Object { Get-ErrorIdInSource -Type $_.ImplementingType } | Sort-Object -Unique
        $ids.Count | Should -BeGreaterThan 10 -Because 'the source scan should find the ids (a scan that finds none would pass anything)'
        foreach ($id in $ids) { ($topic -match "\b$id\b") | Should -BeTrue -Because "a cmdlet writes errors with the id $id" }
    }

    It 'is at most 80 columns wide' {
        $file = Join-Path $ModuleBin 'en-US/about_SysVmPatch.help.txt'
        $file | Should -Exist
        @(Get-Content -LiteralPath $file | Where-Object { $_.Length -gt 80 }) | Should -BeNullOrEmpty
    }
}

Describe 'build/ConvertTo-MamlHelp.ps1' {
    BeforeAll {
        $converter = Join-Path $RepoRoot 'build/ConvertTo-MamlHelp.ps1'
        $goodPage = Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'docs/help/Get-SysVmCloud.md')
        function New-HelpSource {
            param([string] $Page, [string] $Name = 'Get-SysVmCloud')
            $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            New-Item -ItemType Directory -Path $dir | Out-Null
            Set-Content -LiteralPath (Join-Path $dir "$Name.md") -Value $Page -Encoding utf8
            $dir
        }
    }

    It 'writes well-formed MAML even when the text holds angle brackets and ampersands' {
        $source = New-HelpSource ($goodPage -replace '(## SYNOPSIS\r?\n)', "`$1Lists <connections> & more. ")
        $out = Join-Path $TestDrive 'out-escape'
        & $converter -Path $source -OutputPath $out -Converter BuiltIn | Out-Null
        [xml]$maml = Get-Content -Raw -LiteralPath (Join-Path $out 'SysVmPatch.dll-Help.xml')
        $maml.helpItems.command.details.description.para | Should -Match 'Lists <connections> & more\.'
    }

    It 'refuses <Fault>, naming the file, and writes nothing' -ForEach @(
        @{ Fault = 'a page without SYNOPSIS'; Change = { param($p) $p -replace '## SYNOPSIS', '## SUMMARY' }; Message = "SUMMARY' is not a PlatyPS section" }
        @{ Fault = 'a parameter without its yaml block'; Change = { param($p) $p -replace '(?s)(### -Name.*?)```yaml.*?```', '$1' }; Message = "-Name has no '``````yaml' block" }
        @{ Fault = 'a parameter without a description'; Change = { param($p) $p -replace '(?s)(### -Name\r?\n).*?(```yaml)', '$1$2' }; Message = '-Name has no description' }
        @{ Fault = 'a code fence never closed'; Change = { param($p) $p + "`n``````powershell`nGet-SysVmCloud`n" }; Message = 'is never closed' }
        @{ Fault = 'a page without examples'; Change = { param($p) $p -replace '(?s)## EXAMPLES.*?## PARAMETERS', '## PARAMETERS' }; Message = "no '## EXAMPLES' section" }
        @{ Fault = 'an empty page'; Change = { param($p) '' }; Message = "names no 'external help file'" }
        @{ Fault = 'Required that is not True or False'; Change = { param($p) $p -replace 'Required: False', 'Required: maybe' }; Message = "'Required: maybe'" }
    ) {
        $page = & $Change $goodPage
        $page | Should -Not -Be $goodPage -Because 'the test must really break the page'
        $source = New-HelpSource $page
        $out = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $err = Get-TerminatingError { & $converter -Path $source -OutputPath $out -Converter BuiltIn }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Message | Should -BeLike 'Get-SysVmCloud.md*'
        $err.Exception.Message | Should -Match ([regex]::Escape($Message))
        @(Get-ChildItem -LiteralPath $out -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'refuses an about topic without its ''## about_<Name>'' heading, naming the file' {
        $source = New-HelpSource $goodPage
        Set-Content -LiteralPath (Join-Path $source 'about_Broken.md') -Encoding utf8 -Value "# Broken`n`n# SHORT DESCRIPTION`n`nText."
        $err = Get-TerminatingError { & $converter -Path $source -OutputPath (Join-Path $TestDrive 'out-about') -Converter BuiltIn }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Message | Should -BeLike "about_Broken.md: an about topic starts with*"
    }
}
