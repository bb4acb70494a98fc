using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BackupTools.Configuration;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Resolves <c>secret:Vault/Name</c> references of the configuration file through Microsoft.PowerShell.SecretManagement:
/// <c>Get-Secret -Name &lt;name&gt; [-Vault &lt;vault&gt;] -AsPlainText -ErrorAction Stop</c>. When Get-Secret is not available
/// (the module is not installed), the resolver has no vault and secret: references fail with ConfigSecretVaultUnavailable.
/// </summary>
/// <remarks>
/// On the cmdlet's pipeline thread the command runs in the caller's session (InvokeCommand), so a vault unlocked
/// there (Unlock-SecretStore) is used. Engine work runs on the thread pool, where the caller's runspace cannot be
/// entered: a value looked up before on the pipeline thread is reused from this resolver's memory (cmdlets resolve
/// on the pipeline thread first), else a private runspace of this process is opened once and used. Values are
/// returned to the engine only; nothing here writes them anywhere. Not testable without pwsh: covered by
/// tests/pester/Config.Tests.ps1.
/// </remarks>
internal static class SecretManagementVault
{
    private const string Script =
        "param([string] $Name, [string] $Vault) " +
        "if ($Vault) { Get-Secret -Name $Name -Vault $Vault -AsPlainText -ErrorAction Stop } " +
        "else { Get-Secret -Name $Name -AsPlainText -ErrorAction Stop }";

    public static SecretResolver Create(PSCmdlet cmdlet)
    {
        CommandInfo? getSecret;
        try
        {
            getSecret = cmdlet.InvokeCommand.GetCommand("Get-Secret", CommandTypes.Cmdlet | CommandTypes.Function);
        }
        catch (Exception ex) when (ex is RuntimeException or InvalidOperationException)
        {
            getSecret = null;
        }
        if (getSecret is null) return new SecretResolver(null);

        var pipelineThread = Environment.CurrentManagedThreadId;
        PowerShell? privateShell = null;
        var gate = new object();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<(string?, string), string?>();
        return new SecretResolver((vault, name) => seen.GetOrAdd((vault, name), _ => Lookup(vault, name)));

        string? Lookup(string? vault, string name)
        {
            Collection<PSObject> results;
            if (Environment.CurrentManagedThreadId == pipelineThread)
            {
                results = cmdlet.InvokeCommand.InvokeScript(Script, true, PipelineResultTypes.None, null, name, vault ?? "");
            }
            else
            {
                lock (gate)
                {
                    privateShell ??= PowerShell.Create();
                    privateShell.Commands.Clear();
                    privateShell.AddScript(Script).AddArgument(name).AddArgument(vault ?? "");
                    results = privateShell.Invoke();
                    if (privateShell.HadErrors && results.Count == 0)
                        throw new InvalidOperationException("Get-Secret reported an error (run Get-Secret in the session to see it).");
                }
            }
            return results.Count == 0 ? null : results[0]?.BaseObject?.ToString();
        }
    }
}
