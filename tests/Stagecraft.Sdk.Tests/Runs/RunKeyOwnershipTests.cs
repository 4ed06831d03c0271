using System.Text;

namespace Stagecraft.Sdk.Tests.Runs;

/// <summary>
/// <c>RunPaths</c> is the only builder of run keys: keys like <c>gs://bucket/runs/runs/{id}</c> come from two places that
/// each add the prefix. This scans every source file under <c>src/</c> (the command line included) for string literals that build <c>runs/</c> keys.
/// </summary>
public partial class RunKeyOwnershipTests
{
    private const string Owner = "src/Sdk/Runs/RunPaths.cs";

    [Fact]
    public void No_source_file_other_than_RunPaths_builds_runs_keys_from_literals()
    {
        var root = RepositoryRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .ToList();
        Assert.Contains(files, f => Relative(root, f).StartsWith("src/Cli/", StringComparison.Ordinal));
        Assert.Contains(files, f => Relative(root, f) == Owner);

        var offenders = new List<string>();
        foreach (var file in files.Where(f => Relative(root, f) != Owner))
        {
            var source = File.ReadAllText(file);
            foreach (var (line, literal, start) in CSharpLiterals.Scan(source))
            {
                if (BuildsRunKey(literal) && !NamesCommandGroup(source, start))
                {
                    offenders.Add($"{Relative(root, file)}:{line}: \"{literal}\"");
                }
            }
        }

        Assert.True(offenders.Count == 0, "Build run keys with RunPaths, not literals:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_scanner_finds_run_keys_in_every_kind_of_literal_and_ignores_comments()
    {
        const string source = """"
            // a comment about runs/ is fine
            /* so is runs/ here */
            /// <summary>runs/{id}/exit_code</summary>
            var a = "runs/" + id;
            var b = $"gs://{bucket}/runs/{id}/logs";
            var c = @"runs/x";
            var d = """
                echo runs/$ID
                """;
            var e = $"{Path.Combine("x", "runs")}/{id}";
            var f = "http://example.com/" + "ok"; var g = 'r';
            """";
        var flagged = CSharpLiterals.Scan(source).Where(l => BuildsRunKey(l.Text)).Select(l => l.Line).ToList();
        Assert.Equal([4, 5, 6, 7, 10], flagged);
    }

    [Fact]
    public void The_name_of_the_command_lines_runs_group_is_a_word_not_a_key()
    {
        const string source = """
            private static readonly CliCommandGroup Runs = new("runs", "List runs.");
            private static readonly string Folder = new("runs");
            var key = "runs" + "/" + id;
            """;
        var flagged = CSharpLiterals.Scan(source).Where(l => BuildsRunKey(l.Text) && !NamesCommandGroup(source, l.Start)).Select(l => l.Line).ToList();
        Assert.Equal([2, 3], flagged);
    }

    private static bool BuildsRunKey(string literal) =>
        literal.Contains("runs/", StringComparison.Ordinal) || literal == "runs";

    /// <summary>
    /// Whether the literal at <paramref name="start"/> is the first argument of a command-line group declaration
    /// (<c>CliCommandGroup Runs = new("runs", …)</c>): a word the user types, which never becomes a key.
    /// </summary>
    private static bool NamesCommandGroup(string source, int start) =>
        CommandGroupDeclaration().IsMatch(source[Math.Max(0, start - 120)..start]);

    [System.Text.RegularExpressions.GeneratedRegex(@"\bCliCommandGroup\s+\w+\s*=\s*new\(\s*$")]
    private static partial System.Text.RegularExpressions.Regex CommandGroupDeclaration();

    private static string Relative(string root, string file) => Path.GetRelativePath(root, file).Replace('\\', '/');

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sdk.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A small C# lexer that yields the text of string literals (regular, verbatim, interpolated, raw) with their line.</summary>
    private static class CSharpLiterals
    {
        public static List<(int Line, string Text, int Start)> Scan(string source)
        {
            var result = new List<(int, string, int)>();
            var i = 0;
            ScanCode(source, ref i, result, stopAtBrace: false);
            return result;
        }

        private static int LineOf(string s, int index) => s.AsSpan(0, index).Count('\n') + 1;

        private static void ScanCode(string s, ref int i, List<(int, string, int)> result, bool stopAtBrace)
        {
            var depth = 0;
            while (i < s.Length)
            {
                var c = s[i];
                if (c == '/' && At(s, i + 1, '/'))
                {
                    i = s.IndexOf('\n', i) is var nl and >= 0 ? nl : s.Length;
                }
                else if (c == '/' && At(s, i + 1, '*'))
                {
                    i = s.IndexOf("*/", i + 2, StringComparison.Ordinal) is var end and >= 0 ? end + 2 : s.Length;
                }
                else if (c == '\'')
                {
                    i++;
                    while (i < s.Length && s[i] != '\'')
                    {
                        i += s[i] == '\\' ? 2 : 1;
                    }

                    i++;
                }
                else if (c is '"' or '$' or '@' && StartsString(s, i))
                {
                    ScanString(s, ref i, result);
                }
                else if (stopAtBrace && c == '{')
                {
                    depth++;
                    i++;
                }
                else if (stopAtBrace && c == '}')
                {
                    if (depth == 0)
                    {
                        return; // end of an interpolation hole
                    }

                    depth--;
                    i++;
                }
                else
                {
                    i++;
                }
            }
        }

        private static bool StartsString(string s, int i)
        {
            var j = i;
            while (j < s.Length && s[j] is '$' or '@')
            {
                j++;
            }

            // Not part of an identifier (e.g. the '@' of @class is followed by a letter, not a quote).
            return j < s.Length && s[j] == '"';
        }

        private static void ScanString(string s, ref int i, List<(int, string, int)> result)
        {
            var start = i;
            var dollars = 0;
            var verbatim = false;
            while (s[i] is '$' or '@')
            {
                if (s[i] == '$')
                {
                    dollars++;
                }
                else
                {
                    verbatim = true;
                }

                i++;
            }

            var quotes = 0;
            while (i + quotes < s.Length && s[i + quotes] == '"')
            {
                quotes++;
            }

            var text = new StringBuilder();
            if (quotes >= 3)
            {
                // Raw string: ends at the same number of quotes. Interpolation holes are kept as text (conservative).
                i += quotes;
                var close = s.IndexOf(new string('"', quotes), i, StringComparison.Ordinal);
                close = close < 0 ? s.Length : close;
                text.Append(s, i, close - i);
                i = Math.Min(s.Length, close + quotes);
                result.Add((LineOf(s, start), text.ToString(), start));
                return;
            }

            i++; // opening quote
            while (i < s.Length)
            {
                var c = s[i];
                if (verbatim && c == '"' && At(s, i + 1, '"'))
                {
                    text.Append('"');
                    i += 2;
                }
                else if (c == '"')
                {
                    i++;
                    break;
                }
                else if (!verbatim && c == '\\' && i + 1 < s.Length)
                {
                    text.Append(s, i, 2);
                    i += 2;
                }
                else if (dollars > 0 && c == '{' && At(s, i + 1, '{'))
                {
                    text.Append('{');
                    i += 2;
                }
                else if (dollars > 0 && c == '{')
                {
                    // An interpolation hole is code: scan it (its own literals are reported separately); mark it in the text.
                    i++;
                    ScanCode(s, ref i, result, stopAtBrace: true);
                    i++;
                    text.Append("{}");
                }
                else
                {
                    text.Append(c);
                    i++;
                }
            }

            result.Add((LineOf(s, start), text.ToString(), start));
        }

        private static bool At(string s, int i, char c) => i < s.Length && s[i] == c;
    }
}
