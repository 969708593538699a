using System;
using System.Collections.Generic;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// Appends each outcome to the history as it happens. A store that cannot be written (locked too long, no
    /// permission) does not undo or fail the action: the caller is warned, and the result objects stay complete.
    /// </summary>
    public sealed class HistoryRecorder
    {
        private readonly HistoryStore? _store;
        private readonly Action<string>? _warning;

        public HistoryRecorder(HistoryStore? store, Action<string>? warning)
        {
            _store = store;
            _warning = warning;
        }

        public void Record(IEnumerable<PatchHistoryRecord> records)
        {
            if (_store is null) return;
            try { _store.AppendAll(records); }
            catch (Exception e) when (e is System.IO.IOException || e is TimeoutException || e is UnauthorizedAccessException)
            {
                _warning?.Invoke($"history not written to {_store.Path}: {e.Message}");
            }
        }

        public void Record(PatchHistoryRecord record) => Record(new[] { record });
    }
}
