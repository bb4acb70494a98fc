using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace BackupTools.PowerShell.Tests.Support;

/// <summary>
/// A real PowerShell runspace (one per test class) that imported BackupTools.psd1 from the repository root, exactly
/// as a user does after a build. Scripts run in it and come back with everything they wrote, stream by stream.
/// </summary>
public sealed class ModuleRunspace : IDisposable
{
    private readonly Runspace _runspace;

    public ModuleRunspace()
    {
        // Nothing may leave 127.0.0.1: the AWS SDK otherwise probes the instance-metadata address.
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(RepoPaths.Manifest);
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        var failed = Run("Get-Module BackupTools");
        if (failed.Output.Count != 1)
            throw new InvalidOperationException("BackupTools.psd1 did not import: " + string.Join("; ", failed.Errors));
    }

    /// <summary>A pipeline of <paramref name="script"/> in this runspace, variables set, not started (for BeginInvoke/Stop).</summary>
    public System.Management.Automation.PowerShell Create(string script, IDictionary? variables = null)
    {
        var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        if (variables is not null)
            foreach (DictionaryEntry v in variables)
                _runspace.SessionStateProxy.SetVariable((string)v.Key, v.Value);
        return ps.AddScript(script);
    }

    /// <summary>Runs <paramref name="script"/> with <paramref name="variables"/> set first; never throws for its errors.</summary>
    public ScriptRun Run(string script, IDictionary? variables = null)
    {
        using var ps = Create(script, variables);
        Exception? terminating = null;
        var output = new List<PSObject>();
        try
        {
            output.AddRange(ps.Invoke());
        }
        catch (RuntimeException ex)
        {
            terminating = ex;
        }
        return new ScriptRun(output, ps.Streams.Error.ToList(), ps.Streams.Verbose.Select(v => v.Message).ToList(),
            ps.Streams.Warning.Select(w => w.Message).ToList(), terminating);
    }

    public void Dispose() => _runspace.Dispose();
}

/// <summary>What a script wrote: output objects, error records, verbose and warning lines, and a terminating error if any.</summary>
public sealed record ScriptRun(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Warnings,
    Exception? Terminating)
{
    /// <summary>Every error, the terminating one included, as its ErrorRecord.</summary>
    public IEnumerable<ErrorRecord> AllErrors =>
        Terminating is IContainsErrorRecord { ErrorRecord: { } record } ? Errors.Append(record) : Errors;

    public ErrorRecord SingleError() => Assert.Single(AllErrors);

    public void AssertSucceeded()
    {
        Assert.True(Terminating is null && Errors.Count == 0,
            "the script failed: " + string.Join("; ", AllErrors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")) + Terminating?.Message);
    }
}
