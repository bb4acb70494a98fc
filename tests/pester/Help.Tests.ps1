#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# The help Get-Help shows for every exported cmdlet (MAML generated from docs/en-US/*.md at build time) is real:
# a written synopsis, every parameter described and matching the cmdlet, examples that parse and name only
# parameters the cmdlet has. Modelled on dbatools' help test.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Commands = @((Get-Module BackupTools).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

    function Get-ExampleProblem {
        # Problems of one example's code: parse errors, and parameters of the documented cmdlet that it does not have
        # (its own parameters, their aliases and the common parameters count; no prefix abbreviations).
        param([string] $Code, [System.Management.Automation.CommandInfo] $Command)
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref] $tokens, [ref] $errors)
        foreach ($e in $errors) { "does not parse: $($e.Message) at line $($e.Extent.StartLineNumber)" }
        $known = @($Command.Parameters.Keys) + @($Command.Parameters.Values.Aliases) + $script:Common
        $calls = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -eq $Command.Name }, $true)
        if (-not $calls) { "does not call $($Command.Name)" }
        foreach ($call in $calls) {
            foreach ($p in $call.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                if ($p.ParameterName -notin $known) { "names -$($p.ParameterName), which $($Command.Name) does not have" }
            }
        }
    }
}

Describe 'Help of <Name>' -ForEach $script:Commands {
    BeforeAll {
        $command = Get-Command $Name
        $help = Get-Help $Name -Full
        $parameters = @($command.Parameters.Values | Where-Object Name -NotIn $script:Common)
        $helpParameters = @($help.parameters.parameter)
    }

    It 'comes from the MAML file, with a written synopsis (not the generated syntax)' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name *[<-]*"
        $help.Synopsis.Trim() | Should -Not -Match '^\S+-\S+\s*$'
    }

    It 'has a description' {
        ($help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "$($example.title) needs an explanation"
        }
    }

    It 'has examples that parse and use only parameters of <Name>' {
        $problems = foreach ($example in @($help.examples.example)) {
            Get-ExampleProblem -Code $example.code -Command $command | ForEach-Object { "$($example.title.Trim(' -')): $_" }
        }
        $problems | Should -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $undescribed = foreach ($p in $parameters) {
            $h = $helpParameters | Where-Object Name -EQ $p.Name
            if (-not $h -or -not ($h.description.Text -join '').Trim()) { $p.Name }
        }
        $undescribed | Should -BeNullOrEmpty
    }

    It 'documents no parameter the cmdlet does not have' {
        @($helpParameters.Name | Where-Object { $_ -notin $parameters.Name }) | Should -BeNullOrEmpty
    }

    It 'agrees with the cmdlet on each parameter''s type, position, mandatory and pipeline input' {
        $mismatches = foreach ($p in $parameters) {
            $h = $helpParameters | Where-Object Name -EQ $p.Name
            if (-not $h) { continue }
            $type = $p.ParameterType
            if ($type.IsGenericType -and $type.GetGenericTypeDefinition() -eq [Nullable`1]) { $type = $type.GenericTypeArguments[0] }
            if ($h.type.name -ne $type.Name) { "-$($p.Name): help type $($h.type.name), cmdlet $($type.Name)" }
            $sets = @($p.ParameterSets.Values)
            $mandatory = [bool]($sets | Where-Object IsMandatory)
            if (($h.required -eq 'true') -ne $mandatory) { "-$($p.Name): help required $($h.required), cmdlet $mandatory" }
            $position = ($sets | Where-Object Position -GE 0 | Select-Object -First 1).Position
            $expected = if ($null -eq $position) { 'named' } else { "$position" }
            if ($h.position -ne $expected) { "-$($p.Name): help position $($h.position), cmdlet $expected" }
            $byValue = [bool]($sets | Where-Object ValueFromPipeline)
            $byName = [bool]($sets | Where-Object ValueFromPipelineByPropertyName)
            if (($h.pipelineInput -like '*ByValue*') -ne $byValue -or ($h.pipelineInput -like '*ByPropertyName*') -ne $byName) {
                "-$($p.Name): help pipeline input '$($h.pipelineInput)', cmdlet ByValue=$byValue ByPropertyName=$byName"
            }
            $aliases = @($p.Aliases | Sort-Object) -join ', '
            $helpAliases = if ($h.aliases -eq 'none') { '' } else { @($h.aliases -split ',\s*' | Sort-Object) -join ', ' }
            if ($helpAliases -ne $aliases) { "-$($p.Name): help aliases '$helpAliases', cmdlet '$aliases'" }
        }
        $mismatches | Should -BeNullOrEmpty
    }

    It 'names its output type' {
        $outputs = @($help.returnValues.returnValue.type.name)
        foreach ($type in $command.OutputType) {
            $outputs | Should -Contain $type.Name
        }
    }

    It 'links to the documentation' {
        @($help.relatedLinks.navigationLink.linkText) -match 'docs/' | Should -Not -BeNullOrEmpty
    }
}

Describe 'about_BackupTools' {
    It 'is found by Get-Help once the module is imported' {
        $about = Get-Help about_BackupTools
        ($about | Out-String) | Should -Match 'New-DbBackup'
    }
}
