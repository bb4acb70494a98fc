namespace BackupTools.Tests.TestSupport;

/// <summary>Sets (or clears) process environment variables for one test and puts the old values back.</summary>
public sealed class EnvironmentScope : IDisposable
{
    private readonly (string Name, string? Old)[] _saved;

    public EnvironmentScope(params (string Name, string? Value)[] variables)
    {
        _saved = variables.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name))).ToArray();
        foreach (var (name, value) in variables) Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach (var (name, old) in _saved) Environment.SetEnvironmentVariable(name, old);
    }
}
