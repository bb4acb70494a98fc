using System.CommandLine;
using BackupTools.Configuration;

namespace BackupTools.Cli;

/// <summary>
/// The --config/--profile pair of a verb: the database profile whose settings are the defaults of this call.
/// The verbs read their flags into the engine's given-options records; OptionPrecedence puts them over this profile.
/// The CLI resolves env: and file: secrets only.
/// </summary>
internal sealed class CliProfile
{
    private CliProfile(ProfileRequests? requests) => Requests = requests;

    /// <summary>Null when neither --config nor --profile was given.</summary>
    public ProfileRequests? Requests { get; }

    public DatabaseProfile? Profile => Requests?.Profile;

    public static CliProfile Load(ParseResult parse) =>
        new(ProfileSelection.Load(parse.GetValue(ConfigFlags.Config), parse.GetValue(ConfigFlags.Profile), SecretResolver.Default));

    /// <summary>The flag's value when given, else the profile's, else ConfigValueMissing naming the flag.</summary>
    public string Require<T>(ParseResult parse, Option<T> option, Func<DatabaseProfile, string?> fromProfile) where T : class? =>
        OptionPrecedence.Require(parse.GetValue(option) as string, Requests, fromProfile, option.Name);

    /// <summary>The flag's value when it was written on the command line (not merely its default), else null: "not given".</summary>
    public static T? Value<T>(ParseResult parse, Option<T> option) where T : struct =>
        Given(parse, option) ? parse.GetValue(option) : null;

    /// <summary>True when the option was written on the command line (not merely defaulted).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
