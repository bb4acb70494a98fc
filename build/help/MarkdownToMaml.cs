// The MSBuild task (compiled by RoslynCodeTaskFactory, see Help.targets) that turns the platyPS-style markdown of
// docs/en-US into the MAML file Get-Help reads for the cmdlets. It runs inside MSBuild, so it needs no pwsh and no
// platyPS, and targets netstandard: plain C# 7 with System.Xml.Linq.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class MarkdownToMaml : Task
{
    /// <summary>One markdown file per cmdlet (docs/en-US/Verb-Noun.md).</summary>
    [Required] public ITaskItem[] Commands { get; set; }

    /// <summary>The markdown holding the parameters that base classes declare once (## Group, then ### -Name).</summary>
    public string SharedParameters { get; set; }

    /// <summary>Relative links in the markdown are shown as paths from this folder (the repository root).</summary>
    [Required] public string RepositoryRoot { get; set; }

    [Required] public string OutputFile { get; set; }

    public override bool Execute()
    {
        try
        {
            var shared = string.IsNullOrEmpty(SharedParameters) ? new Dictionary<string, List<HelpParameter>>()
                : HelpMarkdown.ReadSharedParameters(SharedParameters, new DocPaths(SharedParameters, RepositoryRoot));
            var commands = Commands.Select(c => c.GetMetadata("FullPath")).OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal)
                .Select(p => HelpMarkdown.ReadCommand(p, shared, new DocPaths(p, RepositoryRoot))).ToList();
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile)));
            Maml.Document(commands).Save(OutputFile);
            Log.LogMessage(MessageImportance.Normal, "MAML help for {0} cmdlet(s) -> {1}", commands.Count, OutputFile);
            return true;
        }
        catch (HelpMarkdownException ex)
        {
            Log.LogError(null, "BTHELP", null, ex.File, ex.Line, 0, 0, 0, ex.Message);
            return false;
        }
    }
}

public sealed class HelpMarkdownException : Exception
{
    public HelpMarkdownException(string file, int line, string message) : base(message) { File = file; Line = line; }
    public string File { get; private set; }
    public int Line { get; private set; }
}

public sealed class HelpCommand
{
    public string Name;
    public string Synopsis;
    public List<string> Description = new List<string>();
    public List<HelpExample> Examples = new List<HelpExample>();
    public List<HelpParameter> Parameters = new List<HelpParameter>();
    public List<HelpType> Inputs = new List<HelpType>();
    public List<HelpType> Outputs = new List<HelpType>();
    public List<string> Notes = new List<string>();
    public List<KeyValuePair<string, string>> Links = new List<KeyValuePair<string, string>>();
}

public sealed class HelpExample
{
    public string Title;
    public string Code;
    public List<string> Remarks = new List<string>();
}

public sealed class HelpType
{
    public string Name;
    public List<string> Description = new List<string>();
}

public sealed class HelpParameter
{
    public string Name;
    public List<string> Description = new List<string>();
    public Dictionary<string, string> Meta = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    public string Get(string key, string fallback) { string v; return Meta.TryGetValue(key, out v) && v.Length > 0 ? v : fallback; }
    public string Type { get { return Get("Type", "Object"); } }
    public bool IsSwitch { get { return Type == "SwitchParameter"; } }
    public bool Required { get { return Get("Required", "False").StartsWith("True", StringComparison.OrdinalIgnoreCase); } }
    public string Position { get { var p = Get("Position", "Named"); return p.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : p; } }
    public string[] Sets { get { return Split(Get("Parameter Sets", "(All)")); } }
    public string[] Aliases { get { return Split(Get("Aliases", "")); } }
    public string[] AcceptedValues { get { return Split(Get("Accepted values", "")); } }

    private static string[] Split(string list) { return list.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray(); }
}

/// <summary>Where a markdown file is, so that its relative links can be shown as paths from the repository root.</summary>
public sealed class DocPaths
{
    private readonly string _folder;
    private readonly string _root;

    public DocPaths(string markdownFile, string repositoryRoot)
    {
        _folder = Path.GetDirectoryName(Path.GetFullPath(markdownFile));
        _root = Path.GetFullPath(repositoryRoot).TrimEnd('/', '\\');
    }

    /// <summary>docs/en-US/../cmdlets.md#x -> docs/cmdlets.md#x; an anchor alone stays as it is.</summary>
    public string FromRepository(string target)
    {
        var hash = target.IndexOf('#');
        var file = hash < 0 ? target : target.Substring(0, hash);
        if (file.Length == 0) return target;
        var full = Path.GetFullPath(Path.Combine(_folder, file));
        var relative = full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full.Substring(_root.Length + 1) : full;
        return relative.Replace('\\', '/') + (hash < 0 ? "" : target.Substring(hash));
    }
}

/// <summary>Reads the markdown: front matter, '# Name', '## SECTION', '### item', fenced blocks.</summary>
public static class HelpMarkdown
{
    private struct Line { public int Number; public string Text; }

    public static Dictionary<string, List<HelpParameter>> ReadSharedParameters(string path, DocPaths paths)
    {
        var groups = new Dictionary<string, List<HelpParameter>>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in Sections(Body(path, ReadLines(path), null), "## "))
            groups[section.Key.Text] = Parameters(path, section.Value, paths);
        return groups;
    }

    public static HelpCommand ReadCommand(string path, Dictionary<string, List<HelpParameter>> shared, DocPaths paths)
    {
        var lines = ReadLines(path);
        var front = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var body = Body(path, lines, front);
        var title = body.FirstOrDefault(l => l.Text.StartsWith("# ", StringComparison.Ordinal));
        if (title.Text == null) throw new HelpMarkdownException(path, 1, "No '# Verb-Noun' title.");
        var command = new HelpCommand { Name = title.Text.Substring(2).Trim() };
        if (command.Name != Path.GetFileNameWithoutExtension(path))
            throw new HelpMarkdownException(path, title.Number, "The title '" + command.Name + "' is not the file name.");

        foreach (var section in Sections(body, "## "))
        {
            var content = section.Value;
            switch (section.Key.Text.ToUpperInvariant())
            {
                case "SYNOPSIS": command.Synopsis = string.Join(" ", Paragraphs(content, paths)); break;
                case "DESCRIPTION": command.Description = Paragraphs(content, paths); break;
                case "EXAMPLES": command.Examples = Examples(path, content, paths); break;
                case "PARAMETERS": command.Parameters = Parameters(path, content, paths); break;
                case "INPUTS": command.Inputs = Types(content, paths); break;
                case "OUTPUTS": command.Outputs = Types(content, paths); break;
                case "NOTES": command.Notes = Paragraphs(content, paths); break;
                case "RELATED LINKS": command.Links = Links(content, paths); break;
            }
        }
        if (string.IsNullOrWhiteSpace(command.Synopsis)) throw new HelpMarkdownException(path, title.Number, command.Name + " has no SYNOPSIS.");

        string groups;
        if (front.TryGetValue("shared parameters", out groups))
        {
            foreach (var group in groups.Split(',').Select(g => g.Trim()).Where(g => g.Length > 0))
            {
                List<HelpParameter> parameters;
                if (!shared.TryGetValue(group, out parameters))
                    throw new HelpMarkdownException(path, 1, "Unknown shared parameter group '" + group + "' (the '## " + group + "' section of the shared parameters file).");
                // A parameter the cmdlet documents itself wins over the shared text.
                command.Parameters.AddRange(parameters.Where(p => !command.Parameters.Any(o => o.Name.Equals(p.Name, StringComparison.OrdinalIgnoreCase))));
            }
        }
        return command;
    }

    private static List<Line> ReadLines(string path)
    {
        return File.ReadAllLines(path).Select((t, i) => new Line { Number = i + 1, Text = t.TrimEnd() }).ToList();
    }

    /// <summary>The lines after the '---' front matter (whose 'key: value' pairs go to <paramref name="front"/>).</summary>
    private static List<Line> Body(string path, List<Line> lines, Dictionary<string, string> front)
    {
        if (lines.Count == 0 || lines[0].Text != "---") return lines;
        var end = lines.FindIndex(1, l => l.Text == "---");
        if (end < 0) throw new HelpMarkdownException(path, 1, "The front matter has no closing '---'.");
        if (front != null)
        {
            foreach (var l in lines.Skip(1).Take(end - 1))
            {
                var colon = l.Text.IndexOf(':');
                if (colon > 0) front[l.Text.Substring(0, colon).Trim()] = l.Text.Substring(colon + 1).Trim();
            }
        }
        return lines.Skip(end + 1).ToList();
    }

    /// <summary>Splits at headings with <paramref name="prefix"/> (outside fenced blocks); text before the first is dropped.</summary>
    private static List<KeyValuePair<Line, List<Line>>> Sections(List<Line> lines, string prefix)
    {
        var sections = new List<KeyValuePair<Line, List<Line>>>();
        var fenced = false;
        foreach (var l in lines)
        {
            if (l.Text.StartsWith("```", StringComparison.Ordinal)) fenced = !fenced;
            if (!fenced && l.Text.StartsWith(prefix, StringComparison.Ordinal))
                sections.Add(new KeyValuePair<Line, List<Line>>(new Line { Number = l.Number, Text = l.Text.Substring(prefix.Length).Trim() }, new List<Line>()));
            else if (sections.Count > 0)
                sections[sections.Count - 1].Value.Add(l);
        }
        return sections;
    }

    private static List<HelpExample> Examples(string path, List<Line> lines, DocPaths paths)
    {
        var examples = new List<HelpExample>();
        foreach (var section in Sections(lines, "### "))
        {
            var fence = section.Value.FindIndex(l => l.Text.StartsWith("```", StringComparison.Ordinal));
            var close = fence < 0 ? -1 : section.Value.FindIndex(fence + 1, l => l.Text.StartsWith("```", StringComparison.Ordinal));
            if (close < 0) throw new HelpMarkdownException(path, section.Key.Number, "Example '" + section.Key.Text + "' has no fenced code block.");
            examples.Add(new HelpExample
            {
                Title = section.Key.Text,
                Code = string.Join("\n", section.Value.Skip(fence + 1).Take(close - fence - 1).Select(l => l.Text)),
                Remarks = Paragraphs(section.Value.Take(fence).Concat(section.Value.Skip(close + 1)).ToList(), paths),
            });
        }
        return examples;
    }

    private static List<HelpParameter> Parameters(string path, List<Line> lines, DocPaths paths)
    {
        var parameters = new List<HelpParameter>();
        foreach (var section in Sections(lines, "### "))
        {
            if (!section.Key.Text.StartsWith("-", StringComparison.Ordinal)) continue; // ### CommonParameters and the like
            var parameter = new HelpParameter { Name = section.Key.Text.Substring(1).Trim() };
            var yaml = section.Value.FindIndex(l => l.Text == "```yaml");
            var close = yaml < 0 ? -1 : section.Value.FindIndex(yaml + 1, l => l.Text.StartsWith("```", StringComparison.Ordinal));
            if (close < 0) throw new HelpMarkdownException(path, section.Key.Number, "Parameter -" + parameter.Name + " has no ```yaml block (Type, Parameter Sets, Required, Position, ...).");
            foreach (var l in section.Value.Skip(yaml + 1).Take(close - yaml - 1))
            {
                var colon = l.Text.IndexOf(':');
                if (colon > 0) parameter.Meta[l.Text.Substring(0, colon).Trim()] = l.Text.Substring(colon + 1).Trim();
            }
            parameter.Description = Paragraphs(section.Value.Take(yaml).ToList(), paths);
            if (parameter.Description.Count == 0) throw new HelpMarkdownException(path, section.Key.Number, "Parameter -" + parameter.Name + " has no description.");
            parameters.Add(parameter);
        }
        return parameters;
    }

    private static List<HelpType> Types(List<Line> lines, DocPaths paths)
    {
        var types = Sections(lines, "### ").Select(s => new HelpType { Name = s.Key.Text, Description = Paragraphs(s.Value, paths) }).ToList();
        return types;
    }

    /// <summary>One link per list item: '[text](target)' (a relative target becomes a repository path) or plain text such as about_BackupTools.</summary>
    private static List<KeyValuePair<string, string>> Links(List<Line> lines, DocPaths paths)
    {
        var links = new List<KeyValuePair<string, string>>();
        foreach (var item in lines.Select(l => l.Text.Trim()).Where(t => t.StartsWith("- ", StringComparison.Ordinal)).Select(t => t.Substring(2).Trim()))
        {
            var m = Regex.Match(item, @"^\[(?<text>[^\]]+)\]\((?<target>[^)\s]+)\)$");
            if (!m.Success) links.Add(new KeyValuePair<string, string>(item, ""));
            else if (IsAbsolute(m.Groups["target"].Value)) links.Add(new KeyValuePair<string, string>(m.Groups["text"].Value, m.Groups["target"].Value));
            else links.Add(new KeyValuePair<string, string>(m.Groups["text"].Value + ": " + paths.FromRepository(m.Groups["target"].Value), ""));
        }
        return links;
    }

    private static bool IsAbsolute(string target)
    {
        Uri uri;
        return Uri.TryCreate(target, UriKind.Absolute, out uri) && (uri.Scheme == "https" || uri.Scheme == "http");
    }


    /// <summary>
    /// Paragraphs of plain text: blank lines separate them; list items and table rows keep their own line; fenced
    /// blocks stay verbatim; markdown links become 'text (path)'.
    /// </summary>
    private static List<string> Paragraphs(List<Line> lines, DocPaths paths)
    {
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        var fenced = false;
        Action flush = () => { if (current.Length > 0) { paragraphs.Add(current.ToString()); current.Clear(); } };
        foreach (var l in lines)
        {
            if (l.Text.StartsWith("```", StringComparison.Ordinal))
            {
                flush();
                fenced = !fenced;
                continue;
            }
            if (fenced)
            {
                if (current.Length > 0) current.Append('\n');
                current.Append("    ").Append(l.Text);
                continue;
            }
            var text = l.Text.Trim();
            if (text.Length == 0) { flush(); continue; }
            text = Regex.Replace(text, @"\[(?<text>[^\]]+)\]\((?<target>[^)\s]+)\)",
                m => m.Groups["text"].Value + " (" + (IsAbsolute(m.Groups["target"].Value) ? m.Groups["target"].Value : paths.FromRepository(m.Groups["target"].Value)) + ")");
            if (current.Length > 0) current.Append(Regex.IsMatch(text, @"^([-*|]|\d+\.)\s") ? "\n" : " ");
            current.Append(text);
        }
        flush();
        return paragraphs;
    }
}

/// <summary>Writes the MAML (the schema PowerShell's Get-Help reads: helpItems/command:command).</summary>
public static class Maml
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace M = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Cmd = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static XDocument Document(IEnumerable<HelpCommand> commands)
    {
        return new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XComment(" Generated at build time from docs/en-US/*.md (build/help). Do not edit: edit the markdown. "),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"),
                new XAttribute(XNamespace.Xmlns + "maml", M), new XAttribute(XNamespace.Xmlns + "command", Cmd), new XAttribute(XNamespace.Xmlns + "dev", Dev),
                commands.Select(Command)));
    }

    private static XElement Paras(XName name, IEnumerable<string> paragraphs)
    {
        return new XElement(name, paragraphs.Select(p => new XElement(M + "para", p)));
    }

    private static XElement Command(HelpCommand c)
    {
        var dash = c.Name.IndexOf('-');
        return new XElement(Cmd + "command",
            new XElement(Cmd + "details",
                new XElement(Cmd + "name", c.Name),
                new XElement(Cmd + "verb", c.Name.Substring(0, dash)),
                new XElement(Cmd + "noun", c.Name.Substring(dash + 1)),
                Paras(M + "description", new[] { c.Synopsis })),
            Paras(M + "description", c.Description),
            new XElement(Cmd + "syntax", SyntaxItems(c)),
            new XElement(Cmd + "parameters", c.Parameters.Select(p => Parameter(p, true))),
            new XElement(Cmd + "inputTypes", c.Inputs.Select(t => new XElement(Cmd + "inputType", Type(t.Name), Paras(M + "description", t.Description)))),
            new XElement(Cmd + "returnValues", c.Outputs.Select(t => new XElement(Cmd + "returnValue", Type(t.Name), Paras(M + "description", t.Description)))),
            new XElement(M + "alertSet", new XElement(M + "alert", c.Notes.Select(n => new XElement(M + "para", n)))),
            new XElement(Cmd + "examples", c.Examples.Select((e, i) => new XElement(Cmd + "example",
                new XElement(M + "title", "--------- Example " + (i + 1) + ": " + Regex.Replace(e.Title, @"^Example \d+:?\s*", "") + " ---------"),
                new XElement(Dev + "code", e.Code),
                Paras(Dev + "remarks", e.Remarks)))),
            new XElement(Cmd + "relatedLinks", c.Links.Select(l => new XElement(M + "navigationLink",
                new XElement(M + "linkText", l.Key), new XElement(M + "uri", l.Value)))));
    }

    private static XElement Type(string name)
    {
        return new XElement(Dev + "type", new XElement(M + "name", name), new XElement(M + "uri"), new XElement(M + "description"));
    }

    /// <summary>One syntax item per parameter set (one in all when no parameter names a set): positional parameters first.</summary>
    private static IEnumerable<XElement> SyntaxItems(HelpCommand c)
    {
        var sets = c.Parameters.SelectMany(p => p.Sets).Where(s => s != "(All)").Distinct(StringComparer.Ordinal).ToList();
        if (sets.Count == 0) sets.Add("(All)");
        foreach (var set in sets)
        {
            var members = c.Parameters.Where(p => p.Sets.Contains("(All)") || p.Sets.Contains(set))
                .Select((p, i) => new { p, i })
                .OrderBy(x => x.p.Position == "named" ? int.MaxValue : int.Parse(x.p.Position))
                .ThenBy(x => x.i)
                .Select(x => Parameter(x.p, false));
            yield return new XElement(Cmd + "syntaxItem", new XElement(M + "name", c.Name), members);
        }
    }

    private static XElement Parameter(HelpParameter p, bool full)
    {
        var pipeline = p.Get("Accept pipeline input", "False");
        var element = new XElement(Cmd + "parameter",
            new XAttribute("required", p.Required ? "true" : "false"),
            new XAttribute("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Get("Accept wildcard characters", "False").StartsWith("True", StringComparison.OrdinalIgnoreCase) ? "true" : "false"),
            new XAttribute("pipelineInput", pipeline),
            new XAttribute("position", p.Position),
            new XAttribute("aliases", p.Aliases.Length == 0 ? "none" : string.Join(", ", p.Aliases)),
            new XElement(M + "name", p.Name),
            Paras(M + "description", p.Description));
        var accepted = p.AcceptedValues;
        if (!full && accepted.Length > 0)
            element.Add(new XElement(Cmd + "parameterValueGroup", accepted.Select(v =>
                new XElement(Cmd + "parameterValue", new XAttribute("required", "false"), new XAttribute(Cmd + "variableLength", "false"), v))));
        // A switch has no value in the syntax: [-Force], not [-Force <SwitchParameter>].
        if (full || !p.IsSwitch)
            element.Add(new XElement(Cmd + "parameterValue", new XAttribute("required", p.IsSwitch ? "false" : "true"), new XAttribute("variableLength", "false"), p.Type));
        element.Add(Type(p.Type));
        element.Add(new XElement(Dev + "defaultValue", p.Get("Default value", "None")));
        return element;
    }
}
