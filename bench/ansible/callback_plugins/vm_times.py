# Records, per host, when its first task started and its last task ended, and whether any failed: the
# benchmark's per-VM time for Ansible. Written as JSON to $SVP_BENCH_TIMES when the playbook ends.
import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'vm_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.hosts = {}

    def _entry(self, name):
        return self.hosts.setdefault(name, {'start': time.time(), 'end': time.time(), 'failed': False})

    def v2_runner_on_start(self, host, task):
        self._entry(host.get_name())

    def _ended(self, result, failed):
        e = self._entry(result._host.get_name())
        e['end'] = time.time()
        e['failed'] = e['failed'] or failed

    def v2_runner_on_ok(self, result):
        self._ended(result, False)

    def v2_runner_on_skipped(self, result):
        self._ended(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._ended(result, not ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._ended(result, True)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('SVP_BENCH_TIMES')
        if path:
            with open(path, 'w') as f:
                json.dump(self.hosts, f)
