#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# Connect-SysVmCloud, and the two cmdlets that manage what it makes: Get-SysVmCloud and Disconnect-SysVmCloud.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $secretText = 'S3cret-' + [guid]::NewGuid().ToString('N')
    $secret = ConvertTo-SecureString $secretText -AsPlainText -Force
    $environmentNames = 'CLOUDSTACK_ENDPOINT', 'CLOUDSTACK_KEY', 'CLOUDSTACK_SECRET', 'CLOUDSTACK_TIMEOUT', 'CLOUDSTACK_VERIFY'
    $savedEnvironment = @{}
    foreach ($n in $environmentNames) { $savedEnvironment[$n] = [Environment]::GetEnvironmentVariable($n) }

    function Clear-CloudStackEnvironment {
        foreach ($n in $environmentNames) { [Environment]::SetEnvironmentVariable($n, $null) }
    }

    function Get-ClosedPortUrl {
        # A port nothing listens on: bind an ephemeral one, then let it go.
        param([string] $Scheme = 'https')
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        "${Scheme}://127.0.0.1:$port/client/api"
    }

    function New-CloudMonkeyConfig {
        param([string] $Path, [string] $Url, [string] $SecretKey)
        @"
[core]
profile = closed

[closed]
url = $Url
apikey = cmk-api-key-0123456789
secretkey = $SecretKey
verifycert = true

[nosecret]
url = $Url
apikey = cmk-api-key-0123456789
"@ | Set-Content -LiteralPath $Path -Encoding ascii
        $Path
    }
}

AfterAll {
    foreach ($n in $environmentNames) { [Environment]::SetEnvironmentVariable($n, $savedEnvironment[$n]) }
    Disconnect-All
}

Describe 'Connect-SysVmCloud parameters' {
    BeforeAll {
        $command = Get-Command Connect-SysVmCloud -ErrorAction Stop
    }

    It 'has the parameter sets Keys (default), Credential, Profile and Environment' {
        @($command.ParameterSets.Name | Sort-Object) | Should -Be @('Credential', 'Environment', 'Keys', 'Profile')
        $command.DefaultParameterSet | Should -Be 'Keys'
    }

    It 'requires <Mandatory> in parameter set <Set>' -ForEach @(
        @{ Set = 'Keys'; Mandatory = @('ApiKey', 'SecretKey', 'Url') }
        @{ Set = 'Credential'; Mandatory = @('Credential', 'Url') }
        @{ Set = 'Profile'; Mandatory = @('Profile') }
        @{ Set = 'Environment'; Mandatory = @('FromEnvironment') }
    ) {
        $parameterSet = $command.ParameterSets | Where-Object Name -eq $Set
        @($parameterSet.Parameters | Where-Object IsMandatory | ForEach-Object Name | Sort-Object) | Should -Be $Mandatory
    }

    It 'takes the URL first by position, also as -Endpoint' {
        $url = $command.Parameters['Url']
        $url.Aliases | Should -Contain 'Endpoint'
        ($command.ParameterSets | Where-Object Name -eq 'Keys').Parameters |
            Where-Object Name -eq 'Url' | ForEach-Object Position | Should -Be 0
    }

    It 'takes the secret only as a SecureString or a PSCredential' {
        $command.Parameters['SecretKey'].ParameterType | Should -Be ([System.Security.SecureString])
        $command.Parameters['Credential'].ParameterType | Should -Be ([System.Management.Automation.PSCredential])
    }

    It 'offers <_> in every parameter set' -ForEach @('Name', 'SkipCertificateCheck', 'TimeoutSec', 'RetryCount', 'NotDefault') {
        $name = $_
        foreach ($parameterSet in $command.ParameterSets) {
            $parameterSet.Parameters.Name | Should -Contain $name -Because "parameter set $($parameterSet.Name)"
        }
    }

    It 'rejects -<Parameter> <Value> before connecting' -ForEach @(
        @{ Parameter = 'TimeoutSec'; Value = 0 }
        @{ Parameter = 'TimeoutSec'; Value = 3601 }
        @{ Parameter = 'RetryCount'; Value = 21 }
        @{ Parameter = 'RetryCount'; Value = -1 }
    ) {
        $arguments = @{ Url = 'https://cloud.example.com'; ApiKey = 'k'; SecretKey = $secret; $Parameter = $Value }
        $err = Get-TerminatingError { Connect-SysVmCloud @arguments }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
    }
}

Describe 'Connect-SysVmCloud with settings that cannot work' {
    BeforeEach {
        Disconnect-All
        Clear-CloudStackEnvironment
    }

    It 'refuses the URL <Url> with InvalidConnectionSettings and does not print the secret' -ForEach @(
        @{ Url = 'not a url' }
        @{ Url = 'ftp://cloud.example.com/client/api' }
        @{ Url = 'https://cloud.example.com/client/api?command=listUsers' }
    ) {
        $err = Get-TerminatingError { Connect-SysVmCloud -Url $Url -ApiKey k -SecretKey $secret }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-AllErrorText $err).Contains($secretText) | Should -BeFalse
        Get-SysVmCloud | Should -BeNullOrEmpty
    }

    It 'refuses a bad URL given with -Credential the same way' {
        $credential = [System.Management.Automation.PSCredential]::new('some-api-key', $secret)
        $err = Get-TerminatingError { Connect-SysVmCloud -Url 'not a url' -Credential $credential }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
        (Get-AllErrorText $err).Contains($secretText) | Should -BeFalse
    }

    It 'refuses an empty secret key' {
        $err = Get-TerminatingError { Connect-SysVmCloud -Url 'https://cloud.example.com' -ApiKey k -SecretKey ([System.Security.SecureString]::new()) }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
    }

    It 'names the missing variables when the environment holds no connection' {
        $env:CLOUDSTACK_ENDPOINT = 'https://cloud.example.com'
        $err = Get-TerminatingError { Connect-SysVmCloud -FromEnvironment }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
        $err.Exception.Message | Should -Match 'CLOUDSTACK_KEY'
        $err.Exception.Message | Should -Match 'CLOUDSTACK_SECRET'
        $err.Exception.Message | Should -Not -Match 'CLOUDSTACK_ENDPOINT'
    }

    It 'refuses a CLOUDSTACK_TIMEOUT that is not a number of seconds' {
        $env:CLOUDSTACK_ENDPOINT = 'https://cloud.example.com'
        $env:CLOUDSTACK_KEY = 'k'
        $env:CLOUDSTACK_SECRET = $secretText
        $env:CLOUDSTACK_TIMEOUT = 'soon'
        $err = Get-TerminatingError { Connect-SysVmCloud -FromEnvironment }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
        $err.Exception.Message | Should -Match 'CLOUDSTACK_TIMEOUT'
        (Get-AllErrorText $err).Contains($secretText) | Should -BeFalse
    }

    It 'names the profile and the file when the CloudMonkey profile does not exist' {
        $config = New-CloudMonkeyConfig -Path (Join-Path $TestDrive 'cmk-missing') -Url 'https://cloud.example.com' -SecretKey $secretText
        $err = Get-TerminatingError { Connect-SysVmCloud -Profile nosuchprofile -ConfigPath $config }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
        $err.Exception.Message | Should -Match 'nosuchprofile'
        $err.Exception.Message | Should -Match 'closed'      # the profiles that do exist
        $err.Exception.Message | Should -Match 'cmk-missing' # the file
        (Get-AllErrorText $err).Contains($secretText) | Should -BeFalse
    }

    It 'says what a CloudMonkey profile lacks' {
        $config = New-CloudMonkeyConfig -Path (Join-Path $TestDrive 'cmk-nosecret') -Url 'https://cloud.example.com' -SecretKey $secretText
        $err = Get-TerminatingError { Connect-SysVmCloud -Profile nosecret -ConfigPath $config }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
        $err.Exception.Message | Should -Match 'secretkey'
    }

    It 'refuses a CloudMonkey file that does not exist' {
        $err = Get-TerminatingError { Connect-SysVmCloud -Profile prod -ConfigPath (Join-Path $TestDrive 'no-such-config') }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
    }
}

Describe 'Connect-SysVmCloud to a plain http:// endpoint' {
    BeforeEach {
        Disconnect-All
    }

    It 'refuses it before sending anything unless -AllowUnencryptedAuthentication is given' {
        $err = Get-TerminatingError { Connect-SysVmCloud -Url (Get-ClosedPortUrl -Scheme http) -ApiKey k -SecretKey $secret -RetryCount 0 }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
        # The engine says what to allow; the error names the parameter that allows it.
        "$err" | Should -Match 'Use Connect-SysVmCloud -AllowUnencryptedAuthentication\.'
        $err.Exception.Message | Should -Match 'clear text'
    }

    It 'refuses a CloudMonkey profile whose url is http:// the same way' {
        $config = New-CloudMonkeyConfig -Path (Join-Path $TestDrive 'cmk-http') -Url (Get-ClosedPortUrl -Scheme http) -SecretKey $secretText
        $err = Get-TerminatingError { Connect-SysVmCloud -Profile closed -ConfigPath $config -RetryCount 0 }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionSettings,*'
    }

    It 'warns loudly when the switch allows it, then connects as usual' {
        $url = Get-ClosedPortUrl -Scheme http
        $warnings = $null
        $err = $null
        try {
            Connect-SysVmCloud -Url $url -ApiKey k -SecretKey $secret -RetryCount 0 -TimeoutSec 10 -AllowUnencryptedAuthentication `
                -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
        }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CloudStackConnectFailed,*' # it went on to connect: nothing listens there
        ($warnings -join "`n") | Should -Match 'clear text'
    }
}

Describe 'Connect-SysVmCloud to a server that does not answer' {
    BeforeEach {
        Disconnect-All
    }

    It 'fails with CloudStackConnectFailed, keeps nothing and does not print the secret' {
        $url = Get-ClosedPortUrl
        $err = Get-TerminatingError { Connect-SysVmCloud -Url $url -ApiKey k -SecretKey $secret -RetryCount 0 -TimeoutSec 10 }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'CloudStackConnectFailed,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        (Get-AllErrorText $err).Contains($secretText) | Should -BeFalse
        Get-SysVmCloud | Should -BeNullOrEmpty
    }

    It 'names the CloudMonkey profile as the target of the error' {
        $config = New-CloudMonkeyConfig -Path (Join-Path $TestDrive 'cmk-closed') -Url (Get-ClosedPortUrl) -SecretKey $secretText
        $err = Get-TerminatingError { Connect-SysVmCloud -Profile closed -ConfigPath $config -RetryCount 0 -TimeoutSec 10 }
        $err.FullyQualifiedErrorId | Should -BeLike 'CloudStackConnectFailed,*'
        $err.TargetObject | Should -Be 'closed'
        (Get-AllErrorText $err).Contains($secretText) | Should -BeFalse
    }
}

Describe 'Disconnect-SysVmCloud and Get-SysVmCloud without connections' {
    BeforeEach {
        Disconnect-All
    }

    It 'Get-SysVmCloud shows nothing' {
        Get-SysVmCloud | Should -BeNullOrEmpty
    }

    It 'Disconnect-SysVmCloud writes a non-terminating ConnectionNotFound for <Case>' -ForEach @(
        @{ Case = 'the default connection'; Arguments = @{} }
        @{ Case = 'a name'; Arguments = @{ Server = 'nosuchconnection' } }
    ) {
        $errors = $null
        Disconnect-SysVmCloud @Arguments -ErrorAction SilentlyContinue -ErrorVariable errors
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionNotFound,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'Disconnect-SysVmCloud takes connection names by position and from a Name property' {
        $parameter = (Get-Command Disconnect-SysVmCloud).Parameters['Server']
        $parameter.Aliases | Should -Contain 'Name'
        $parameter.ParameterSets.Values.Position | Should -Contain 0
        $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } |
            ForEach-Object ValueFromPipelineByPropertyName | Should -Contain $true
    }
}

Describe "Connections to the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        $lab = Get-LabState
        $labUri = [uri]$lab.Endpoint
        $labSecretText = [string]$lab.SecretKey
        $labSkipCert = Test-LabSkipsCertificateCheck $lab
    }

    BeforeEach {
        Disconnect-All
        Clear-CloudStackEnvironment
    }

    AfterAll {
        Disconnect-All
    }

    It 'connects, reports the server version and becomes the default' {
        $info = Connect-Lab -Name lab1
        $info.Name | Should -Be 'lab1'
        $info.Endpoint.Host | Should -Be $labUri.Host
        $info.Endpoint.Port | Should -Be $labUri.Port
        $info.Endpoint.AbsolutePath | Should -BeLike '*/client/api'
        $info.Version | Should -Not -BeNullOrEmpty
        $info.IsDefault | Should -BeTrue
        $info.SkipCertificateCheck | Should -Be $labSkipCert
        (Get-SysVmCloud).Name | Should -Be 'lab1'
    }

    It 'never shows the secret key, and shows only the start of the API key' {
        $info = Connect-Lab -Name lab1
        $shown = ($info | Format-List * -Force | Out-String -Width 4096) + (Get-SysVmCloud | Format-Table * | Out-String -Width 4096) + $info.ToString()
        $shown.Contains($labSecretText) | Should -BeFalse
        if (([string]$lab.ApiKey).Length -gt 8) { $shown.Contains([string]$lab.ApiKey) | Should -BeFalse }
    }

    It 'keeps the first connection as the default with -NotDefault' {
        Connect-Lab -Name lab1 | Out-Null
        $second = Connect-Lab -Name lab2 -NotDefault
        $second.IsDefault | Should -BeFalse
        (Get-SysVmCloud | Where-Object IsDefault).Name | Should -Be 'lab1'
        @(Get-SysVmCloud).Count | Should -Be 2
    }

    It 'makes the latest connection the default, and passes the default on when it is removed' {
        Connect-Lab -Name lab1 | Out-Null
        Connect-Lab -Name lab2 | Out-Null
        (Get-SysVmCloud | Where-Object IsDefault).Name | Should -Be 'lab2'
        Disconnect-SysVmCloud
        @(Get-SysVmCloud).Name | Should -Be @('lab1')
        (Get-SysVmCloud -Name lab1).IsDefault | Should -BeTrue
    }

    It 'replaces a connection made again under the same name' {
        Connect-Lab -Name lab1 | Out-Null
        Connect-Lab -Name lab1 | Out-Null
        @(Get-SysVmCloud).Count | Should -Be 1
    }

    It 'selects connections by wildcard and disconnects them from the pipeline' {
        Connect-Lab -Name lab-a | Out-Null
        Connect-Lab -Name lab-b | Out-Null
        Connect-Lab -Name other | Out-Null
        @(Get-SysVmCloud -Name 'lab-*').Name | Sort-Object | Should -Be @('lab-a', 'lab-b')
        Get-SysVmCloud -Name 'lab-*' | Disconnect-SysVmCloud
        @(Get-SysVmCloud).Name | Should -Be @('other')
    }

    It 'fails with CloudStackAuthenticationFailed for a wrong secret key, without printing it' {
        $wrongText = 'Wrong-' + [guid]::NewGuid().ToString('N')
        $wrong = ConvertTo-SecureString $wrongText -AsPlainText -Force
        $err = Get-TerminatingError { Connect-SysVmCloud -Url $lab.Endpoint -ApiKey $lab.ApiKey -SecretKey $wrong -Name bad -RetryCount 0 -SkipCertificateCheck:$labSkipCert }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'CloudStackAuthenticationFailed,*'
        $text = Get-AllErrorText $err
        $text.Contains($wrongText) | Should -BeFalse
        $text.Contains($labSecretText) | Should -BeFalse
        Get-SysVmCloud | Should -BeNullOrEmpty
    }

    It 'connects from the CLOUDSTACK_* environment variables, named after the host by default' {
        $env:CLOUDSTACK_ENDPOINT = $lab.Endpoint
        $env:CLOUDSTACK_KEY = $lab.ApiKey
        $env:CLOUDSTACK_SECRET = $labSecretText
        $info = Connect-SysVmCloud -FromEnvironment -SkipCertificateCheck:$labSkipCert
        $info.Name | Should -Be $labUri.Host
        $info.Version | Should -Not -BeNullOrEmpty
    }

    It 'connects with a CloudMonkey profile, named after the profile' {
        $config = Join-Path $TestDrive 'cmk-lab'
        @"
[core]
profile = labprofile

[labprofile]
url = $($lab.Endpoint)
apikey = $($lab.ApiKey)
secretkey = $labSecretText
"@ | Set-Content -LiteralPath $config -Encoding ascii
        $info = Connect-SysVmCloud -Profile labprofile -ConfigPath $config -SkipCertificateCheck:$labSkipCert
        $info.Name | Should -Be 'labprofile'
        (Get-SysVmCloud -Name labprofile).IsDefault | Should -BeTrue
    }

    It 'connects with -Credential (user name = API key, password = secret key)' {
        $credential = [System.Management.Automation.PSCredential]::new([string]$lab.ApiKey, (ConvertTo-SecureString $labSecretText -AsPlainText -Force))
        $info = Connect-SysVmCloud $lab.Endpoint -Credential $credential -Name credlab -SkipCertificateCheck:$labSkipCert
        $info.Name | Should -Be 'credlab'
    }
}
