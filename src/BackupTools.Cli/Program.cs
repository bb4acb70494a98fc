using BackupTools.Cli;

return await CliApp.RunAsync(args).ConfigureAwait(false);
