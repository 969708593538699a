# Get-PatchHistory as a user sees it: parameters, filters, pipeline binding, summaries, export and damaged stores.
# Records are written through the engine's own store (the engine assembly is loaded with the module).

BeforeAll {
    . $PSScriptRoot/common.ps1

    function New-TestRecord {
        param(
            [int] $Minute,
            [string] $VmName,
            [string] $Status = 'Patched',
            [string] $RunId = 'run-1',
            [string] $Zone = 'zone1',
            [string] $Operation = 'LivePatch'
        )
        [SysVmPatch.Engine.History.PatchHistoryRecord]@{
            Time          = [DateTimeOffset]::new(2026, 1, 1, 10, $Minute, 0, [TimeSpan]::Zero)
            Operation     = $Operation
            RunId         = $RunId
            VmId          = "id-$VmName"
            VmName        = $VmName
            Zone          = $Zone
            Server        = 'ms1'
            FromVersion   = '4.18.0'
            ToVersion     = '4.19.1'
            FromSignature = '5c1f0a3e5c1f0a3e5c1f0a3e5c1f0a3e'
            ToSignature   = '9e1f77c19e1f77c19e1f77c19e1f77c1'
            Status        = $Status
            Duration      = [TimeSpan]::FromSeconds(19)
            Steps         = [string[]] @('Copy ok', 'Install ok')
        }
    }

    function Write-TestStore {
        param([string] $Path)
        $store = [SysVmPatch.Engine.History.HistoryStore]::new($Path)
        $records = @(
            New-TestRecord -Minute 0 -VmName 'r-1-VM'
            New-TestRecord -Minute 1 -VmName 'r-2-VM' -Status 'RolledBack'
            New-TestRecord -Minute 2 -VmName 'r-10-VM' -Zone 'zone2'
            New-TestRecord -Minute 3 -VmName 's-1-VM' -Status 'Restarted' -RunId 'run-2' -Zone 'zone2' -Operation 'Restart'
            New-TestRecord -Minute 4 -VmName 'r-1-VM' -RunId 'run-3'
        )
        foreach ($record in $records) { $store.Append($record, [System.Threading.CancellationToken]::None) }
    }
}

Describe 'Get-PatchHistory' {
    Context 'The command' {
        It 'exists with every documented parameter' {
            $command = Get-Command -Name Get-PatchHistory -Module SysVmPatch
            foreach ($name in 'VmName', 'VmId', 'Operation', 'Status', 'RunId', 'Since', 'Until', 'Zone', 'Last', 'Path', 'Summary') {
                $command.Parameters.Keys | Should -Contain $name
            }
        }

        It 'binds VM names and ids from piped objects by property name' {
            $parameters = (Get-Command -Name Get-PatchHistory).Parameters
            $parameters['VmName'].Aliases | Should -Contain 'Name'
            $parameters['VmId'].Aliases | Should -Contain 'Id'
            $parameters['VmName'].ParameterSets.Values.ValueFromPipelineByPropertyName | Should -Not -Contain $false
            $parameters['VmId'].ParameterSets.Values.ValueFromPipelineByPropertyName | Should -Not -Contain $false
        }

        It 'declares both output types' {
            $types = (Get-Command -Name Get-PatchHistory).OutputType.Name
            $types | Should -Contain 'SysVmPatch.Engine.History.PatchHistoryRecord'
            $types | Should -Contain 'SysVmPatch.Engine.History.PatchRunSummary'
        }

        It 'has a help page that documents every parameter' {
            Assert-HelpDocumentsEveryParameter -Command (Get-Command -Name Get-PatchHistory)
        }

        It 'has a default table view for records and summaries' {
            Get-FormatData -TypeName 'SysVmPatch.Engine.History.PatchHistoryRecord' | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName 'SysVmPatch.Engine.History.PatchRunSummary' | Should -Not -BeNullOrEmpty
        }
    }

    Context 'A store with records' {
        BeforeAll {
            $storePath = Join-Path $TestDrive 'history.jsonl'
            Write-TestStore -Path $storePath
        }

        It 'returns every record, newest first' {
            $records = Get-PatchHistory -Path $storePath
            $records | Should -HaveCount 5
            $records.VmName | Should -Be @('r-1-VM', 's-1-VM', 'r-10-VM', 'r-2-VM', 'r-1-VM')
            $records[0] | Should -BeOfType ([SysVmPatch.Engine.History.PatchHistoryRecord])
        }

        It 'filters by VM name with wildcards, ignoring case' {
            $records = Get-PatchHistory -Path $storePath -VmName 'R-1*'
            $records.VmName | Should -Be @('r-1-VM', 'r-10-VM', 'r-1-VM')
        }

        It 'takes the VM name as its first positional parameter' {
            (Get-PatchHistory 's-*' -Path $storePath).VmName | Should -Be 's-1-VM'
        }

        It 'filters by status, operation, run and zone' {
            (Get-PatchHistory -Path $storePath -Status 'Rolled*').VmName | Should -Be 'r-2-VM'
            (Get-PatchHistory -Path $storePath -Operation Restart).VmName | Should -Be 's-1-VM'
            Get-PatchHistory -Path $storePath -RunId 'run-1' | Should -HaveCount 3
            (Get-PatchHistory -Path $storePath -Zone 'zone2').VmName | Should -Be @('s-1-VM', 'r-10-VM')
            (Get-PatchHistory -Path $storePath -VmId 'id-r-2-VM').VmName | Should -Be 'r-2-VM'
        }

        It 'combines filters with AND' {
            Get-PatchHistory -Path $storePath -VmName 'r-*' -Zone 'zone2' | Should -HaveCount 1
            Get-PatchHistory -Path $storePath -Operation Restart -Status 'Patched' | Should -BeNullOrEmpty
        }

        It 'filters by a time window' {
            $since = [DateTime]::new(2026, 1, 1, 10, 2, 0, [DateTimeKind]::Utc)
            $until = [DateTime]::new(2026, 1, 1, 10, 3, 0, [DateTimeKind]::Utc)
            (Get-PatchHistory -Path $storePath -Since $since -Until $until).VmName | Should -Be @('s-1-VM', 'r-10-VM')
        }

        It 'returns only the newest records with -Last' {
            (Get-PatchHistory -Path $storePath -Last 2).VmName | Should -Be @('r-1-VM', 's-1-VM')
        }

        It 'rejects a -Last below one' {
            # A binding error's FullyQualifiedErrorId is '<id>,<cmdlet class>'; Should -Throw -ErrorId compares with -like,
            # so the id alone never matched. The whole id, and the parameter the binder names, say what was refused.
            $err = Get-TerminatingError { Get-PatchHistory -Path $storePath -Last 0 }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeExactly 'ParameterArgumentValidationError,SysVmPatch.Cmdlets.Commands.GetPatchHistoryCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            $err.Exception.ParameterName | Should -Be 'Last'
        }

        It 'binds Name and Id from a piped VM' {
            $vm = [pscustomobject]@{ Name = 'r-1-VM'; Id = 'id-r-1-VM' }
            $records = $vm | Get-PatchHistory -Path $storePath
            $records | Should -HaveCount 2
            $records.RunId | Should -Be @('run-3', 'run-1')
        }

        It 'binds the run id from a piped result' {
            $records = [pscustomobject]@{ RunId = 'run-2' } | Get-PatchHistory -Path $storePath
            $records.VmName | Should -Be 's-1-VM'
        }

        It 'summarizes runs with -Summary' {
            $runs = Get-PatchHistory -Path $storePath -Summary
            $runs.RunId | Should -Be @('run-3', 'run-2', 'run-1')
            $first = $runs | Where-Object RunId -EQ 'run-1'
            $first.Total | Should -Be 3
            $first.Counts['Patched'] | Should -Be 2
            $first.Counts['RolledBack'] | Should -Be 1
            $first.VmCount | Should -Be 3
            $first.Start | Should -Be ([DateTimeOffset]::new(2026, 1, 1, 9, 59, 41, [TimeSpan]::Zero))
            $first.Duration | Should -Be ([TimeSpan]::FromSeconds(2 * 60 + 19))
            $runs[0] | Should -BeOfType ([SysVmPatch.Engine.History.PatchRunSummary])
        }

        It 'counts runs, not records, with -Summary -Last' {
            (Get-PatchHistory -Path $storePath -Summary -Last 1).RunId | Should -Be 'run-3'
        }

        It 'exports to CSV and back without losing fields' {
            $csv = Join-Path $TestDrive 'history.csv'
            Get-PatchHistory -Path $storePath | Export-Csv -Path $csv -NoTypeInformation
            $rows = Import-Csv -Path $csv
            $rows | Should -HaveCount 5
            $rows[3].VmName | Should -Be 'r-2-VM'
            $rows[3].Status | Should -Be 'RolledBack'
            $rows[3].StepsText | Should -Be 'Copy ok; Install ok'
            $rows[3].Operation | Should -Be 'LivePatch'
            # The culture decides how Export-Csv spells a date; read it back the same way.
            [DateTimeOffset]::Parse($rows[3].Time) | Should -Be ([DateTimeOffset]::new(2026, 1, 1, 10, 1, 0, [TimeSpan]::Zero))
        }

        It 'converts to JSON with its steps as an array' {
            $json = Get-PatchHistory -Path $storePath -Last 1 | ConvertTo-Json -Depth 3 | ConvertFrom-Json
            $json.VmName | Should -Be 'r-1-VM'
            @($json.Steps) | Should -Be @('Copy ok', 'Install ok')
        }
    }

    Context 'Where the store lives and what state it is in' {
        It 'returns nothing, without an error, when no history exists yet' {
            $missing = Join-Path $TestDrive 'nothing-here/history.jsonl'
            Get-PatchHistory -Path $missing -ErrorAction Stop | Should -BeNullOrEmpty
        }

        It 'reads the store SYSVMPATCH_HISTORY_PATH names when -Path is not given' {
            $shared = Join-Path $TestDrive 'shared'
            New-Item -ItemType Directory -Path $shared | Out-Null
            Write-TestStore -Path $shared
            $saved = $env:SYSVMPATCH_HISTORY_PATH
            try {
                $env:SYSVMPATCH_HISTORY_PATH = $shared
                Get-PatchHistory | Should -HaveCount 5
            }
            finally {
                $env:SYSVMPATCH_HISTORY_PATH = $saved
            }
        }

        It 'skips a line cut off mid-write with one warning' {
            $tornPath = Join-Path $TestDrive 'torn.jsonl'
            Write-TestStore -Path $tornPath
            [System.IO.File]::AppendAllText($tornPath, '{"v":1,"id":"half-written","time":"2026-01-01T10:')

            $records = Get-PatchHistory -Path $tornPath -WarningVariable warnings -WarningAction SilentlyContinue
            $records | Should -HaveCount 5
            $warnings | Should -HaveCount 1
        }
    }
}

Describe 'The history a cmdlet writes is owner-only' {
    BeforeAll {
        $onWindows = [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT
        # A new store folder, written by Invoke-LivePatch failing a VM it cannot reach (nothing remote happens).
        $folder = Join-Path $TestDrive 'owner-only/SysVmPatch'
        $bundle = New-TestBundle -Path (Join-Path $TestDrive 'owner-only-bundle')
        New-TestVm -Name 'r-80-VM' | Invoke-LivePatch -BundlePath $bundle.Path -TargetVersion 4.19.1 -Confirm:$false `
            -HistoryPath "$folder/" -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        $file = Join-Path $folder 'history.jsonl'
    }

    It 'holds the record' {
        @(Get-PatchHistory -Path $file -VmName 'r-80-VM').Count | Should -Be 1
    }

    It 'on Unix: the folder is 0700 and the file 0600' {
        if ($onWindows) { Set-ItResult -Skipped -Because 'Unix file modes; on Windows the ACL test below applies'; return }
        (Get-Item -LiteralPath $folder).UnixMode | Should -Be 'drwx------'
        (Get-Item -LiteralPath $file).UnixMode | Should -Be '-rw-------'
    }

    It 'on Windows: the folder and the file have a protected DACL that admits only the current user' {
        if (-not $onWindows) { Set-ItResult -Skipped -Because 'Windows ACLs: this is not Windows (the Unix modes test above applies)'; return }
        $user = [System.Security.Principal.WindowsIdentity]::GetCurrent().User
        foreach ($path in $folder, $file) {
            $acl = Get-Acl -LiteralPath $path
            $acl.AreAccessRulesProtected | Should -BeTrue -Because "$path must not inherit its parent's entries"
            $rules = @($acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier]))
            $rules.Count | Should -Be 1 -Because "$path must admit only the user"
            $rules[0].IdentityReference | Should -Be $user
            "$($rules[0].AccessControlType)" | Should -Be 'Allow'
        }
    }
}
