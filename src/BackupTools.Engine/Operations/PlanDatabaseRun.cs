using BackupTools.Configuration;

namespace BackupTools.Operations;

public static partial class BackupPlanOperation
{
    /// <summary>The mutable state of one database's run (what each step needs and leaves), turned into its result at the end.</summary>
    private sealed class DatabaseRun(DatabaseProfile profile, DateTimeOffset startedAt, PlanDatabaseObserver observer)
    {
        private readonly List<BackupPlanError> _errors = new();
        private BackupPlanPhase? _failedPhase;

        public DatabaseProfile Profile => profile;
        public PlanDatabaseObserver Observer => observer;
        public BackupPlanRequest Request { get; private set; } = null!;
        public ProfileRequests Requests { get; private set; } = null!;
        public NewBackupRequest BackupRequest { get; set; } = null!;

        public BackupInfo? Backup { get; set; }
        public IntegrityResult? Verification { get; set; }
        public IReadOnlyList<RetentionDecision> Retention { get; set; } = Array.Empty<RetentionDecision>();
        public BackupPlanStepStatus BackupStatus { get; set; }
        public BackupPlanStepStatus VerifyStatus { get; set; }
        public BackupPlanStepStatus CopyStatus { get; set; }
        public BackupPlanStepStatus RetentionStatus { get; set; }
        public TimeSpan? BackupDuration { get; set; }
        public TimeSpan? VerifyDuration { get; set; }
        public TimeSpan? CopyDuration { get; set; }
        public TimeSpan? RetentionDuration { get; set; }
        /// <summary>One per configured copy, in file order.</summary>
        public List<CopyRun> Copies { get; } = profile.Copies.Select(c => new CopyRun(c)).ToList();

        public void Attach(BackupPlanRequest request, ProfileRequests requests)
        {
            Request = request;
            Requests = requests;
        }

        public void Fail(BackupPlanPhase phase, Exception ex, CopyRun? at = null)
        {
            var (id, message, kind) = ex is BackupToolsException bt
                ? (bt.ErrorId, bt.Message, bt.Kind)
                : (ErrorIds.BackupPlanStepFailed, $"{phase} of database '{profile.Name}' failed unexpectedly: {ex.GetType().Name}: {ex.Message}", ErrorKind.InvalidOperation);
            Fail(phase, id, message, kind, at);
        }

        /// <summary>Records a failure of a step; <paramref name="at"/> is the copy destination it happened at (null: the database's own).</summary>
        public void Fail(BackupPlanPhase phase, string errorId, string message, ErrorKind kind = ErrorKind.InvalidData, CopyRun? at = null)
        {
            var error = new BackupPlanError(phase, errorId, message, kind) { Destination = at?.Config.Destination.Name };
            _errors.Add(error);
            _failedPhase ??= phase;
            if (at is not null)
            {
                at.Errors.Add(error);
                if (phase == BackupPlanPhase.Copy) at.CopyStatus = BackupPlanStepStatus.Failed;
                else at.RetentionStatus = BackupPlanStepStatus.Failed;
            }
            else
            {
                switch (phase)
                {
                    case BackupPlanPhase.Backup: BackupStatus = BackupPlanStepStatus.Failed; break;
                    case BackupPlanPhase.Verify: VerifyStatus = BackupPlanStepStatus.Failed; break;
                    case BackupPlanPhase.Retention: RetentionStatus = BackupPlanStepStatus.Failed; break;
                }
            }
            observer.Error(errorId, at is null ? message : $"[{at.Config.Destination.Name}] {message}", kind);
        }

        public BackupPlanResult Finish(DateTimeOffset completedAt, TimeSpan duration) => new()
        {
            Database = profile.Name,
            Destination = profile.Destination.Name,
            DestinationLocation = profile.Destination.Location,
            FailedPhase = _failedPhase,
            BackupStatus = BackupStatus,
            VerifyStatus = VerifyStatus,
            CopyStatus = CopyStatus,
            RetentionStatus = RetentionStatus,
            Backup = Backup,
            VerifyLevel = profile.Verify,
            Verification = Verification,
            RetentionPolicy = profile.RetentionName,
            Retention = Retention,
            RetentionKept = Retention.Count(d => d.Action == RetentionAction.Keep),
            RetentionRemoved = Retention.Count(d => d.Removed),
            RemovedBackupIds = Retention.Where(d => d.Removed).Select(d => d.BackupId).ToArray(),
            Copies = Copies.Select(c => c.Finish()).ToList(),
            StartedAt = startedAt,
            CompletedAt = completedAt,
            BackupDuration = BackupDuration,
            VerifyDuration = VerifyDuration,
            CopyDuration = CopyDuration,
            RetentionDuration = RetentionDuration,
            Duration = duration,
            Errors = _errors.ToList(),
        };
    }

    /// <summary>The state of one copy destination during a run.</summary>
    private sealed class CopyRun(CopyConfig config)
    {
        public CopyConfig Config => config;
        public BackupPlanStepStatus CopyStatus { get; set; }
        public BackupPlanStepStatus RetentionStatus { get; set; }
        public BackupCopy? Copy { get; set; }
        public IReadOnlyList<RetentionDecision> Retention { get; set; } = Array.Empty<RetentionDecision>();
        public List<BackupPlanError> Errors { get; } = new();

        public BackupPlanCopyResult Finish() => new()
        {
            Destination = config.Destination.Name,
            DestinationLocation = config.Destination.Location,
            StorageClass = config.EffectiveStorageClass,
            CopyStatus = CopyStatus,
            Copy = Copy,
            RetentionStatus = RetentionStatus,
            RetentionPolicy = config.RetentionName,
            Retention = Retention,
            RetentionKept = Retention.Count(d => d.Action == RetentionAction.Keep),
            RetentionRemoved = Retention.Count(d => d.Removed),
            RemovedBackupIds = Retention.Where(d => d.Removed).Select(d => d.BackupId).ToArray(),
            Errors = Errors.ToList(),
        };
    }
}
