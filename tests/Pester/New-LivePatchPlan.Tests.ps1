#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.1.0' }
# New-LivePatchPlan and Invoke-LivePatch -PlanPath as a user sees them (issue 14.1, a plan reviewed today and applied
# tomorrow): the plan's text is what -WhatIf prints, a damaged or edited file is refused naming what is wrong.
# Against the test world: a plan written today is applied "tomorrow" by a fresh pwsh, as a scheduled task would run
# it, re-reading CloudStack; a router patched by someone else in between is skipped as Drifted; every result and
# history record carries the plan's hash; a bundle changed after the plan refuses it and changes no VM.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $labSkipReason = Get-LabSkipReason
    $labNote = Get-LabNote $labSkipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $bundle = New-TestBundle -Path (Join-Path $TestDrive 'bundle')
    Disconnect-All
}

AfterAll {
    Disconnect-All
}

Describe 'New-LivePatchPlan on hand-built VMs' {
    BeforeAll {
        $vms = @(
            New-TestVm -Name s-1-VM -Type SSVM
            New-TestVm -Name r-2-VM
            New-TestVm -Name r-3-VM -TemplateVersion 4.13.1
            New-TestVm -Name r-4-VM -Signature $bundle.Md5
        )
        $path = Join-Path $TestDrive 'offline-plan.json'
        $plan = $vms | New-LivePatchPlan -BundlePath $bundle.Path -TargetVersion 4.19.1 -BatchSize 1 -Path $path
    }

    It 'returns the typed plan and writes it as JSON: each VM with its batch and decision, the bundle''s MD5s, a format version' {
        $plan | Should -BeOfType ([SysVmPatch.Engine.LivePatch.Plans.SavedLivePatchPlan])
        $file = Get-Content -Raw -LiteralPath $path | ConvertFrom-Json
        $file.formatVersion | Should -Be 1
        $file.bundle.scriptsMd5 | Should -Be $bundle.Md5
        $file.bundle.path | Should -Be (Resolve-Path -LiteralPath $bundle.Path).ProviderPath
        @($file.vms | ForEach-Object { "$($_.name):$($_.action):$($_.batch)" }) |
            Should -Be @('s-1-VM:Patch:1', 'r-2-VM:Patch:2', 'r-3-VM:Skip:0', 'r-4-VM:AlreadyCurrent:0')
        $file.vms[2].why | Should -Be 'Recreate'
        $plan.Hash | Should -Match '^[0-9a-f]{64}$'
    }

    It 'prints, as its text, exactly what Invoke-LivePatch -WhatIf prints for the same input' {
        $whatIf = (Get-WhatIfText { $vms | Invoke-LivePatch -BundlePath $bundle.Path -TargetVersion 4.19.1 -BatchSize 1 -WhatIf }).Text
        $plan.Text.Count | Should -Be 5
        foreach ($line in $plan.Text) { $whatIf.Contains($line) | Should -BeTrue -Because "-WhatIf should print '$line'" }
        $whatIf | Should -Match ('What if: ' + [regex]::Escape($plan.Text[0]))
    }

    It 'with -WhatIf still returns the plan but writes no file' {
        $other = Join-Path $TestDrive 'whatif-plan.json'
        $returned = $vms | New-LivePatchPlan -BundlePath $bundle.Path -TargetVersion 4.19.1 -Path $other -WhatIf
        $returned.Hash | Should -Match '^[0-9a-f]{64}$'
        Test-Path -LiteralPath $other | Should -BeFalse
    }

    It 'is refused by Invoke-LivePatch, naming what is wrong, when the file is <Damage>' -ForEach @(
        @{ Damage = 'truncated'; Change = { param($t) $t.Substring(0, [int]($t.Length / 2)) }; Expected = 'is not a plan: Invalid JSON at offset' }
        @{ Damage = 'of another format version'; Change = { param($t) $t -replace '"formatVersion": 1', '"formatVersion": 7' }; Expected = 'plan format version 7' }
        @{ Damage = 'given a field this format lacks'; Change = { param($t) $t -replace '"batch": 2', '"batch": 2, "sudo": true' }; Expected = 'vms\[1\]\.sudo is not a field' }
        @{ Damage = 'edited to put batches out of order'; Change = { param($t) $t -replace '"batch": 1', '"batch": 3' }; Expected = 'batch 3 after batch 0: batch 1 is missing' }
    ) {
        $damaged = Join-Path $TestDrive "damaged-$([guid]::NewGuid().ToString('n')).json"
        Set-Content -LiteralPath $damaged -Value (& $Change (Get-Content -Raw -LiteralPath $path)) -NoNewline
        $err = Get-TerminatingError { Invoke-LivePatch -PlanPath $damaged -Confirm:$false }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidPlan,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match $Expected
        $err.Exception.Message | Should -Match ([regex]::Escape($damaged))
    }
}

Describe "New-LivePatchPlan and Invoke-LivePatch -PlanPath against the test world$labNote" -Skip:($null -ne $labSkipReason) {
    BeforeAll {
        Disconnect-All
        Connect-Lab -Name lab | Out-Null
        $lab = Get-LabState
        $sshOptions = @{ KeyFile = $lab.KeyFile; KnownHostsFile = $lab.KnownHostsFile }

        function Invoke-NextDay {
            # Applies a plan file in a fresh pwsh, as a scheduled task would the next night: its own connection (from
            # the lab's owner-only CloudMonkey config, so no secret is on a command line), nothing from this session.
            param([string] $PlanPath, [string] $HistoryPath)
            $out = Join-Path $TestDrive ("nextday-" + [guid]::NewGuid().ToString('n') + '.json')
            $script = Join-Path $TestDrive 'nextday.ps1'
            Set-Content -LiteralPath $script -Value @'
param($Manifest, $Config, $PlanPath, $HistoryPath, $KeyFile, $KnownHostsFile, $Out)
$ErrorActionPreference = 'Stop'
Import-Module $Manifest
Connect-SysVmCloud -Profile lab -ConfigPath $Config -Name lab -SkipCertificateCheck | Out-Null
$results = @(Invoke-LivePatch -PlanPath $PlanPath -HistoryPath $HistoryPath -KeyFile $KeyFile -KnownHostsFile $KnownHostsFile -Confirm:$false -ErrorAction SilentlyContinue)
$results | Select-Object VmName, @{ n = 'Status'; e = { "$($_.Status)" } }, FailedStep, Error, PlanHash, Batch | ConvertTo-Json -AsArray | Set-Content -LiteralPath $Out
'@
            $pwsh = @(Get-PwshCommand)
            & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $script -Manifest $ManifestPath -Config $lab.CloudMonkeyConfig `
                -PlanPath $PlanPath -HistoryPath $HistoryPath -KeyFile $lab.KeyFile -KnownHostsFile $lab.KnownHostsFile -Out $out | Out-Null
            if ($LASTEXITCODE -ne 0) { throw "the next day's pwsh ended with exit code $LASTEXITCODE" }
            Get-Content -Raw -LiteralPath $out | ConvertFrom-Json
        }

        $serverVersion = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull((Get-SysVmCloud | Where-Object Name -eq 'lab').Version)
        $routers = @(Get-SystemVm -Type Router -State Running | Where-Object {
                $v = [SysVmPatch.Engine.Versions.CloudStackVersion]::ParseOrNull($_.TemplateVersion)
                -not $_.IsRedundant -and $v -and $v.Major -eq 4 -and $v.Minor -ge 14 -and (-not $serverVersion -or $v.CompareTo($serverVersion) -le 0)
            } | Select-Object -First 2)
        $labBundle = New-TestBundle -Path (Join-Path $TestDrive 'lab-bundle')
        $planPath = Join-Path $TestDrive 'plan-today.json'
        $history = Join-Path $TestDrive 'plan-history.jsonl'
        if ($routers.Count -eq 2) {
            $plan = $routers | New-LivePatchPlan -BundlePath $labBundle.Path -BatchSize 1 -Path $planPath
            # Meanwhile someone patches the second router by hand: CloudStack's record of it stays stale, the VM does not.
            $meanwhile = @($routers[1] | Invoke-LivePatch -BundlePath $labBundle.Path -Confirm:$false -HistoryPath (Join-Path $TestDrive 'meanwhile.jsonl') @sshOptions)
            $nextDay = @(Invoke-NextDay -PlanPath $planPath -HistoryPath $history)
        }
    }

    It 'writes today''s plan with each router''s host, state, signature and batch, and the lab''s endpoint' {
        if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'the test world has fewer than two running, non-redundant routers that can be live-patched'; return }
        $file = Get-Content -Raw -LiteralPath $planPath | ConvertFrom-Json
        $file.servers[0].name | Should -Be 'lab'
        $file.servers[0].endpoint | Should -Be ([uri]$lab.Endpoint).AbsoluteUri
        @($file.vms.id) | Should -Be @($routers.Id)
        @($file.vms.batch) | Should -Be @(1, 2)
        @($file.vms.hostName) | Should -Be @($routers.HostName)
        @($file.vms.state | Select-Object -Unique) | Should -Be 'Running'
        (Get-Content -Raw -LiteralPath $planPath) | Should -Not -Match ([regex]::Escape($lab.SecretKey))
        "$($meanwhile[0].Status)" | Should -Be 'Patched' -Because 'the second router was patched between the plan and its run'
    }

    It 'applies the plan the next day: the router that did not change is Patched, in its planned batch' {
        if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'no plan was made (see above)'; return }
        $nextDay.Count | Should -Be 2
        $r = $nextDay | Where-Object VmName -eq $routers[0].Name
        $r.Status | Should -Be 'Patched' -Because "$($r.VmName): $($r.FailedStep) $($r.Error)"
        $r.Batch | Should -Be 1
        Read-VmSignature -Name $routers[0].Name | Should -Be $labBundle.Md5
    }

    It 'skips the router patched meanwhile as Drifted, naming its signature change, and does not patch it blind' {
        if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'no plan was made (see above)'; return }
        $r = $nextDay | Where-Object VmName -eq $routers[1].Name
        $r.Status | Should -Be 'Skipped'
        $r.FailedStep | Should -Be 'Drifted'
        $r.Error | Should -Match "scripts signature \S+ -> $($labBundle.Md5)"
    }

    It 'links every result and history record of that run to the plan by its hash' {
        if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'no plan was made (see above)'; return }
        @($nextDay.PlanHash | Select-Object -Unique) | Should -Be $plan.Hash
        $records = @(Get-PatchHistory -Path $history)
        $records.Count | Should -Be 2
        @($records.PlanHash | Select-Object -Unique) | Should -Be $plan.Hash
    }

    It 'refuses a plan whose bundle changed after it was made, and patches nothing' {
        if ($routers.Count -lt 2) { Set-ItResult -Skipped -Because 'no plan was made (see above)'; return }
        $freshBundle = New-TestBundle -Path (Join-Path $TestDrive 'changing-bundle')
        $second = Join-Path $TestDrive 'plan-bundle-changes.json'
        $routers[0..1] | New-LivePatchPlan -BundlePath $freshBundle.Path -Path $second | Out-Null
        $before = @($routers[0..1] | ForEach-Object { Read-VmSignature -Name $_.Name })
        $other = New-TestBundle -Path (Join-Path $TestDrive 'other-bundle')
        Copy-Item -LiteralPath (Join-Path $other.Path 'cloud-scripts.tgz') -Destination (Join-Path $freshBundle.Path 'cloud-scripts.tgz') -Force
        $refusedHistory = Join-Path $TestDrive 'refused.jsonl'
        $err = Get-TerminatingError { Invoke-LivePatch -PlanPath $second -Confirm:$false -HistoryPath $refusedHistory @sshOptions }
        $err.FullyQualifiedErrorId | Should -BeLike 'PlanBundleChanged,*'
        $err.Exception.Message | Should -Match "cloud-scripts\.tgz MD5 $($freshBundle.Md5) -> $($other.Md5)"
        Test-Path -LiteralPath $refusedHistory | Should -BeFalse
        @($routers[0..1] | ForEach-Object { Read-VmSignature -Name $_.Name }) | Should -Be $before
    }
}
