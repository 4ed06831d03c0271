using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Stagecraft.Generators.Common;
using Stagecraft.Generators.Diagnostics;
using Stagecraft.Generators.Pipelines.Model;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// The transform behind the pipeline generator: reads one <c>[Pipeline]</c> class, checks every stage signature,
/// binds every parameter, orders the stages and either produces a <see cref="PipelineModel"/> or, when anything is
/// wrong, diagnostics and no model.
/// </summary>
/// <remarks>
/// <para>Binding rules, in order, for each stage parameter:</para>
/// <list type="number">
/// <item><c>[From(nameof(X))]</c>: the output of stage X (by stage name, or by method name, which is what
/// <c>nameof</c> gives when <c>[Stage("name")]</c> renames a stage). The output must convert to the parameter type by
/// identity, reference or boxing conversion (SC1002 unknown stage, SC1003 mismatch).</item>
/// <item><c>[Input]</c>: a pipeline input named after the parameter.</item>
/// <item><c>StageContext</c> or <c>CancellationToken</c>: supplied by the runtime.</item>
/// <item>Otherwise, by type: when exactly one <em>other</em> stage outputs the parameter's exact type, the
/// parameter reads that stage (several: SC1005 ambiguous).</item>
/// <item>Otherwise, when no stage outputs the type exactly but other stages output a type converting to it, SC1015:
/// the parameter must say <c>[From]</c> or <c>[Input]</c>.</item>
/// <item>Otherwise, a pipeline input named after the parameter.</item>
/// </list>
/// <para>
/// That leaves one case, which is SC1006 (unbound): no <c>[From]</c> or <c>[Input]</c>, a stage of this pipeline
/// outputs the type, yet binding by type is refused, because the only producer is the stage itself (a stage cannot
/// read its own output), or because the type is built only from <c>System</c> types (<c>int</c>, <c>string</c>,
/// <c>double[]</c>...), for which a shared type is more likely a coincidence than data flow. Treating such a
/// parameter silently as an input would hide the mistake (or, for <c>double learningRate</c> next to a stage
/// returning <c>double</c>, bind it silently to the wrong thing), so the generator asks for the intent. Types
/// produced only in <em>other</em> pipelines do not count: pipelines are separate graphs.
/// </para>
/// </remarks>
internal static class PipelineParser
{
    /// <summary>Name of the private nested class that holds invokers and the graph factory.</summary>
    public const string GeneratedClassName = "__StagecraftGenerated";

    private static readonly PipelineResult Nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    private static readonly List<StageCandidate> NoStages = new();

    /// <summary>Members the generator adds; a pipeline class declaring one would not compile.</summary>
    private static readonly string[] GeneratedMemberNames = { "Graph", "Outputs", "StageNames", GeneratedClassName };

    /// <summary>
    /// Stage names that cannot name generated members: the nested types declaring them (CS0542), and members of
    /// <c>object</c>, which a <c>StageNames</c> constant would hide (CS0108).
    /// </summary>
    private static readonly string[] ReservedStageNames =
    {
        "Outputs", "StageNames", "Equals", "GetHashCode", "GetType", "ToString", "ReferenceEquals", "MemberwiseClone", "Finalize",
    };

    /// <summary>The generated RunAsync's own parameters.</summary>
    private static readonly string[] ReservedInputNames = { "runner", "cancellationToken" };

    private static readonly SymbolDisplayFormat HintNameFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces);

    private static readonly SymbolDisplayFormat NamespaceFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public static PipelineResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type
            || context.TargetNode is not TypeDeclarationSyntax declaration
            || context.Attributes.Length == 0
            || !IsPrimaryDeclaration(type, declaration))
        {
            return Nothing;
        }

        var codeContext = CompilationCodeContext.For(context.SemanticModel.Compilation);
        if (PipelineResultCache.TryReuse(declaration, codeContext, cancellationToken) is { } reused)
        {
            return reused;
        }

        var parser = new Parser(type, declaration, context.Attributes[0], context.SemanticModel.Compilation, cancellationToken);
        var result = parser.Run();
        PipelineResultCache.Remember(
            declaration, codeContext, type.DeclaringSyntaxReferences.Select(r => r.SyntaxTree).ToList(), parser.StageHashes, result);
        return result;
    }

    /// <summary>
    /// <c>[Pipeline]</c> on two parts of a partial class is already CS0579; only the part holding the first one
    /// produces output, so the same file is never added twice.
    /// </summary>
    private static bool IsPrimaryDeclaration(INamedTypeSymbol type, TypeDeclarationSyntax declaration)
    {
        if (type.DeclaringSyntaxReferences.Length == 1)
        {
            return true;
        }

        foreach (var attribute in type.GetAttributes())
        {
            if (KnownTypes.IsPipelineAttribute(attribute.AttributeClass))
            {
                var reference = attribute.ApplicationSyntaxReference;
                return reference is null
                    || (reference.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(reference.Span));
            }
        }

        return true;
    }

    private sealed class Parser
    {
        private readonly INamedTypeSymbol _type;
        private readonly TypeDeclarationSyntax _declaration;
        private readonly AttributeData _pipelineAttribute;
        private readonly Compilation _compilation;
        private readonly CancellationToken _cancellationToken;
        private readonly List<DiagnosticInfo> _diagnostics = new();
        private readonly List<StageCandidate> _stages = new();
        private readonly Dictionary<string, InputUse> _inputs = new(StringComparer.Ordinal);
        private readonly List<KeyValuePair<SyntaxNode, string>> _stageHashes = new();

        // Each type is usually rendered several times (one stage's output is the next stage's parameter).
        private readonly Dictionary<ITypeSymbol, (string Annotated, string TypeOf)> _typeNames = new(SymbolEqualityComparer.IncludeNullability);
        private readonly Dictionary<ITypeSymbol, RoundTripProblem?> _roundTrip = new(SymbolEqualityComparer.Default);
        private Dictionary<ITypeSymbol, List<StageCandidate>>? _producersByType;
        private string _pipelineName = "";

        public Parser(INamedTypeSymbol type, TypeDeclarationSyntax declaration, AttributeData pipelineAttribute, Compilation compilation, CancellationToken cancellationToken)
        {
            _type = type;
            _declaration = declaration;
            _pipelineAttribute = pipelineAttribute;
            _compilation = compilation;
            _cancellationToken = cancellationToken;
        }

        /// <summary>Each stage's hashed declaration and its code hash, for <see cref="PipelineResultCache"/>.</summary>
        public IReadOnlyList<KeyValuePair<SyntaxNode, string>> StageHashes => _stageHashes;

        public PipelineResult Run()
        {
            CheckClass();
            ReadPipelineName();
            CheckGeneratedMemberNames();
            ReadStages();
            var byName = IndexStageNames();
            foreach (var stage in _stages)
            {
                foreach (var parameter in stage.Parameters)
                {
                    Bind(stage, parameter, byName);
                }
            }

            var order = OrderStages();
            var diagnostics = _diagnostics.ToEquatableArray();
            if (_diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error) || order is null || _stages.Any(s => s.HasErrorTypes))
            {
                return new PipelineResult(null, diagnostics);
            }

            return new PipelineResult(BuildModel(order), diagnostics);
        }

        private void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] args) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

        private void CheckClass()
        {
            var location = LocationInfo.From(_declaration.Identifier);
            var display = _type.ToDisplayString(TypeFacts.MessageFormat);
            if (!IsPartialEverywhere(_type))
            {
                Report(PipelineDiagnostics.InvalidPipelineClass, location, display, "it is not declared partial, and the generator adds Graph, RunAsync, Outputs and StageNames to it");
            }

            if (_type.IsGenericType)
            {
                Report(PipelineDiagnostics.InvalidPipelineClass, location, display, "it is generic, and a pipeline's stages cannot depend on type arguments");
            }

            if (_type.IsFileLocal)
            {
                Report(PipelineDiagnostics.InvalidPipelineClass, location, display, "it is file-local, and the generated part lives in another file");
            }

            for (var outer = _type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                var outerName = outer.ToDisplayString(TypeFacts.MessageFormat);
                if (!IsPartialEverywhere(outer))
                {
                    Report(PipelineDiagnostics.InvalidPipelineClass, location, display, $"its containing type '{outerName}' is not declared partial");
                }

                if (outer.IsGenericType)
                {
                    Report(PipelineDiagnostics.InvalidPipelineClass, location, display, $"its containing type '{outerName}' is generic");
                }
            }
        }

        private void ReadPipelineName()
        {
            _pipelineName = _type.Name;
            foreach (var argument in _pipelineAttribute.NamedArguments)
            {
                if (argument.Key == "Name" && argument.Value.Value is string name)
                {
                    if (string.IsNullOrWhiteSpace(name))
                    {
                        Report(
                            PipelineDiagnostics.BlankPipelineName,
                            AttributeArgumentLocation(_pipelineAttribute, "Name") ?? LocationInfo.From(_declaration.Identifier),
                            _type.Name);
                    }
                    else
                    {
                        _pipelineName = name;
                    }
                }
            }
        }

        private void CheckGeneratedMemberNames()
        {
            foreach (var member in _type.GetMembers())
            {
                if (!member.IsImplicitlyDeclared && Array.IndexOf(GeneratedMemberNames, member.Name) >= 0 && member.Locations.Length > 0)
                {
                    Report(PipelineDiagnostics.ReservedMemberName, LocationInfo.From(member.Locations[0]), member.Name, _type.Name);
                }
            }
        }

        private void ReadStages()
        {
            foreach (var member in _type.GetMembers())
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (member is not IMethodSymbol method)
                {
                    continue;
                }

                var attribute = method.GetAttributes().FirstOrDefault(a => KnownTypes.IsStageAttribute(a.AttributeClass));
                if (attribute is not null)
                {
                    _stages.Add(ReadStage(method, attribute));
                }
            }
        }

        private StageCandidate ReadStage(IMethodSymbol method, AttributeData attribute)
        {
            var explicitName = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
            string? version = null;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Version")
                {
                    version = argument.Value.Value as string;
                }
            }

            var stage = new StageCandidate(method, _stages.Count, explicitName ?? method.Name, attribute, explicitName is not null, version);
            stage.Placement = ReadPlacement(stage, attribute);
            var syntax = (method.PartialImplementationPart ?? method).DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken);
            stage.CodeHash = syntax is null ? "" : StageCodeDependencies.Hash(syntax, _compilation, _cancellationToken);
            if (syntax is not null)
            {
                _stageHashes.Add(new KeyValuePair<SyntaxNode, string>(syntax, stage.CodeHash));
            }

            CheckMethod(stage, syntax as MethodDeclarationSyntax);
            foreach (var parameter in method.Parameters)
            {
                stage.Parameters.Add(ReadParameter(stage, parameter));
            }

            return stage;
        }

        /// <summary>
        /// <c>Profile</c>, <c>Timeout</c> and <c>Retries</c>, checked here so that a typo is a build error on the argument,
        /// not a failure when the stage is placed. Invalid values are reported and left out of the model.
        /// </summary>
        private StagePlacementModel ReadPlacement(StageCandidate stage, AttributeData attribute)
        {
            string? profile = null;
            long? timeoutTicks = null;
            int? retries = null;
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Profile" when argument.Value.Value is string value:
                        if (string.IsNullOrWhiteSpace(value))
                        {
                            Report(PipelineDiagnostics.InvalidStageProfile, AttributeArgumentLocation(attribute, "Profile"), stage.Name);
                        }
                        else
                        {
                            profile = value;
                        }

                        break;
                    case "Timeout" when argument.Value.Value is string value:
                        var problem = !TimeSpan.TryParseExact(value, "c", CultureInfo.InvariantCulture, out var timeout)
                            ? "is not a TimeSpan in the invariant \"c\" format"
                            : timeout <= TimeSpan.Zero ? "is not positive" : null;
                        if (problem is null)
                        {
                            timeoutTicks = timeout.Ticks;
                        }
                        else
                        {
                            Report(PipelineDiagnostics.InvalidStageTimeout, AttributeArgumentLocation(attribute, "Timeout"), stage.Name, value, problem);
                        }

                        break;
                    case "Retries" when argument.Value.Value is int value:
                        if (value < 0)
                        {
                            Report(PipelineDiagnostics.InvalidStageRetries, AttributeArgumentLocation(attribute, "Retries"), stage.Name, value.ToString(CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            retries = value;
                        }

                        break;
                }
            }

            return profile is null && timeoutTicks is null && retries is null ? StagePlacementModel.Default : new StagePlacementModel(profile, timeoutTicks, retries);
        }

        private void CheckMethod(StageCandidate stage, MethodDeclarationSyntax? syntax)
        {
            var method = stage.Method;
            if (method.MethodKind != MethodKind.Ordinary)
            {
                InvalidSignature(stage, stage.MethodLocation, "a stage is an ordinary method, not a constructor, operator, conversion or accessor");
                return;
            }

            if (!method.IsStatic)
            {
                InvalidSignature(stage, stage.MethodLocation, "it is not static");
            }

            if (method.IsGenericMethod)
            {
                InvalidSignature(stage, stage.MethodLocation, "it is generic, and a stage's input and output types must be fixed");
            }

            var returnLocation = syntax is null ? stage.MethodLocation : LocationInfo.From(syntax.ReturnType);
            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                InvalidSignature(stage, returnLocation, "it returns by reference");
                return;
            }

            var returnType = method.ReturnType;
            if (method.ReturnsVoid)
            {
                InvalidSignature(stage, returnLocation, "it returns void, and a stage returns its output (T, Task<T> or ValueTask<T>)");
                return;
            }

            if (KnownTypes.IsTask(returnType, 0) || KnownTypes.IsValueTask(returnType, 0))
            {
                InvalidSignature(stage, returnLocation, $"it returns {returnType.Name} without a result, and a stage returns its output (T, Task<T> or ValueTask<T>)");
                return;
            }

            var output = returnType;
            stage.ReturnKind = StageReturnKind.Value;
            if (KnownTypes.IsTask(returnType, 1) || KnownTypes.IsValueTask(returnType, 1))
            {
                output = ((INamedTypeSymbol)returnType).TypeArguments[0];
                stage.ReturnKind = KnownTypes.IsTask(returnType, 1) ? StageReturnKind.Task : StageReturnKind.ValueTask;
            }

            if (TypeFacts.ContainsErrorType(output))
            {
                stage.HasErrorTypes = true;
                return;
            }

            if (TypeFacts.CannotBeBoxed(output))
            {
                InvalidSignature(stage, returnLocation, $"its output type '{TypeFacts.ForMessage(output)}' cannot be boxed (a ref struct or pointer), so the runtime cannot hold it");
                return;
            }

            stage.OutputType = output;
            if (RoundTripProblem(output) is { } problem)
            {
                Report(PipelineDiagnostics.NotJsonRoundTrippable, returnLocation, "The output", stage.Name, TypeFacts.ForMessage(output), problem.Describe(), problem.Advice);
            }
        }

        /// <summary>Memoised per type: one output type is often the next stage's parameter, and inputs repeat.</summary>
        private RoundTripProblem? RoundTripProblem(ITypeSymbol type)
        {
            if (!_roundTrip.TryGetValue(type, out var problem))
            {
                problem = JsonRoundTrip.Find(type, _compilation, _cancellationToken);
                _roundTrip.Add(type, problem);
            }

            return problem;
        }

        private ParameterCandidate ReadParameter(StageCandidate stage, IParameterSymbol parameter)
        {
            string? from = null;
            AttributeData? fromAttribute = null;
            var isInput = false;
            foreach (var attribute in HasAttributeSyntax(parameter) ? parameter.GetAttributes() : ImmutableArray<AttributeData>.Empty)
            {
                if (KnownTypes.IsFromAttribute(attribute.AttributeClass))
                {
                    from = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
                    fromAttribute = attribute;
                }
                else if (KnownTypes.IsInputAttribute(attribute.AttributeClass))
                {
                    isInput = true;
                }
            }

            var candidate = new ParameterCandidate(parameter, from, fromAttribute, isInput);
            if (parameter.RefKind != RefKind.None)
            {
                var how = parameter.RefKind switch
                {
                    RefKind.Ref => "ref",
                    RefKind.Out => "out",
                    RefKind.In => "in",
                    _ => "ref readonly",
                };
                InvalidSignature(stage, candidate.Location, $"parameter '{parameter.Name}' is passed by {how}, and stage parameters are passed by value");
            }

            if (TypeFacts.ContainsErrorType(parameter.Type))
            {
                stage.HasErrorTypes = true;
            }
            else if (TypeFacts.CannotBeBoxed(parameter.Type))
            {
                InvalidSignature(stage, candidate.Location, $"parameter '{parameter.Name}' has type '{TypeFacts.ForMessage(parameter.Type)}', which cannot be boxed (a ref struct or pointer), so the runtime cannot pass it");
            }

            if (from is not null && isInput)
            {
                InvalidSignature(stage, candidate.Location, $"parameter '{parameter.Name}' has both [From] and [Input], and a parameter reads either a stage's output or a pipeline input");
            }

            return candidate;
        }

        private void InvalidSignature(StageCandidate stage, LocationInfo? location, string reason)
        {
            stage.SignatureIsValid = false;
            Report(PipelineDiagnostics.InvalidStageSignature, location, stage.Method.Name, reason);
        }

        private Dictionary<string, StageCandidate> IndexStageNames()
        {
            var byName = new Dictionary<string, StageCandidate>(StringComparer.Ordinal);
            foreach (var stage in _stages)
            {
                // A method named Outputs or StageNames is already reported as a clash with a generated member.
                var reserved = Array.IndexOf(ReservedStageNames, stage.Name) >= 0
                    && (stage.HasExplicitName || Array.IndexOf(GeneratedMemberNames, stage.Name) < 0);
                if (reserved || (stage.HasExplicitName && !SyntaxFacts.IsValidIdentifier(stage.Name)))
                {
                    Report(PipelineDiagnostics.InvalidStageName, NameLocation(stage), stage.Name, stage.Method.Name);
                }

                if (byName.TryGetValue(stage.Name, out var first))
                {
                    Report(PipelineDiagnostics.DuplicateStageName, NameLocation(stage), _pipelineName, stage.Name, first.Method.Name);
                }
                else
                {
                    byName.Add(stage.Name, stage);
                }
            }

            return byName;
        }

        private void Bind(StageCandidate stage, ParameterCandidate parameter, Dictionary<string, StageCandidate> byName)
        {
            var type = parameter.Parameter.Type;
            if (parameter.FromStage is not null && parameter.IsInput)
            {
                return; // Contradictory intent, already reported (SC1007); binding either way would add noise.
            }

            if (parameter.FromStage is not null)
            {
                BindFrom(stage, parameter, byName);
                return;
            }

            if (parameter.IsInput)
            {
                BindInput(stage, parameter);
                return;
            }

            if (KnownTypes.IsStageContext(type))
            {
                parameter.Kind = ParameterBindingKind.Context;
                return;
            }

            if (KnownTypes.IsCancellationToken(type))
            {
                parameter.Kind = ParameterBindingKind.CancellationToken;
                return;
            }

            if (TypeFacts.ContainsErrorType(type))
            {
                return;
            }

            var producers = Producers(type);
            if (producers.Count == 0)
            {
                if (AssignableProducers(stage, type) is { Count: > 0 } assignable)
                {
                    Report(
                        PipelineDiagnostics.AssignableFromStageOutputs,
                        parameter.Location,
                        parameter.Parameter.Name,
                        stage.Name,
                        TypeFacts.ForMessage(type),
                        string.Join(", ", assignable.Select(p => $"stage '{p.Name}' outputs '{TypeFacts.ForMessage(p.OutputType!)}'")),
                        assignable[0].Method.Name);
                    return;
                }

                BindInput(stage, parameter);
                return;
            }

            var typeText = TypeFacts.ForMessage(type);
            if (TypeFacts.MentionsOnlySystemTypes(type))
            {
                Report(
                    PipelineDiagnostics.UnboundParameter,
                    parameter.Location,
                    parameter.Parameter.Name,
                    stage.Name,
                    $"its type '{typeText}' is output by {Stages(producers)}, but a type built only from System types is never bound by type");
                return;
            }

            var others = producers.Where(p => p != stage).ToList();
            if (others.Count == 0)
            {
                Report(
                    PipelineDiagnostics.UnboundParameter,
                    parameter.Location,
                    parameter.Parameter.Name,
                    stage.Name,
                    $"its type '{typeText}' is output only by stage '{stage.Name}' itself, and a stage cannot read its own output");
                return;
            }

            if (others.Count > 1)
            {
                Report(PipelineDiagnostics.AmbiguousBinding, parameter.Location, parameter.Parameter.Name, stage.Name, typeText, string.Join(", ", others.Select(o => "'" + o.Name + "'")));
                return;
            }

            BindUpstream(stage, parameter, others[0]);
        }

        /// <summary>
        /// Other stages whose output converts to <paramref name="type"/> without being it (a derived class, an
        /// implementation, a boxed or nullable form). Only a type that can be the target of such a conversion is looked at.
        /// </summary>
        private List<StageCandidate>? AssignableProducers(StageCandidate stage, ITypeSymbol type)
        {
            var canReceiveOthers = type.TypeKind is TypeKind.Interface or TypeKind.Dynamic
                || type.SpecialType is SpecialType.System_Object or SpecialType.System_ValueType or SpecialType.System_Enum
                || (type.TypeKind == TypeKind.Class && !type.IsSealed)
                || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
            if (!canReceiveOthers)
            {
                return null;
            }

            return _stages.Where(s => s != stage && s.OutputType is not null && Converts(s.OutputType, type)).ToList();
        }

        /// <summary>The stages whose output is exactly <paramref name="type"/> (nullable annotations ignored), in declaration order.</summary>
        private List<StageCandidate> Producers(ITypeSymbol type)
        {
            if (_producersByType is null)
            {
                _producersByType = new Dictionary<ITypeSymbol, List<StageCandidate>>(SymbolEqualityComparer.Default);
                foreach (var candidate in _stages)
                {
                    if (candidate.OutputType is null)
                    {
                        continue;
                    }

                    if (!_producersByType.TryGetValue(candidate.OutputType, out var list))
                    {
                        _producersByType.Add(candidate.OutputType, list = new List<StageCandidate>(1));
                    }

                    list.Add(candidate);
                }
            }

            return _producersByType.TryGetValue(type, out var producers) ? producers : NoStages;
        }

        private (string Annotated, string TypeOf) TypeNames(ITypeSymbol type)
        {
            if (!_typeNames.TryGetValue(type, out var names))
            {
                names = (TypeFacts.Annotated(type), TypeFacts.TypeOf(type));
                _typeNames.Add(type, names);
            }

            return names;
        }

        private void BindFrom(StageCandidate stage, ParameterCandidate parameter, Dictionary<string, StageCandidate> byName)
        {
            var name = parameter.FromStage!;
            var fromLocation = AttributeArgumentLocation(parameter.FromAttribute!, 0) ?? parameter.Location;
            if (!byName.TryGetValue(name, out var producer))
            {
                // nameof(Method) gives the method name; accept it when exactly one stage has that method name.
                var byMethod = _stages.Where(s => s.Method.Name == name).ToList();
                producer = byMethod.Count == 1 ? byMethod[0] : null;
            }

            if (producer is null)
            {
                var known = _stages.Count == 0 ? "(none)" : string.Join(", ", _stages.Select(s => s.Name).Distinct(StringComparer.Ordinal));
                Report(PipelineDiagnostics.UnknownUpstreamStage, fromLocation, name, parameter.Parameter.Name, stage.Name, _pipelineName, known);
                return;
            }

            var type = parameter.Parameter.Type;
            if (producer.OutputType is not null && !TypeFacts.ContainsErrorType(type) && !Converts(producer.OutputType, type))
            {
                Report(
                    PipelineDiagnostics.UpstreamTypeMismatch,
                    parameter.Location,
                    parameter.Parameter.Name,
                    stage.Name,
                    TypeFacts.ForMessage(type),
                    producer.Name,
                    TypeFacts.ForMessage(producer.OutputType));
                return;
            }

            BindUpstream(stage, parameter, producer);
        }

        private void BindUpstream(StageCandidate stage, ParameterCandidate parameter, StageCandidate producer)
        {
            var type = parameter.Parameter.Type;
            if (producer.OutputType is { IsReferenceType: true, NullableAnnotation: NullableAnnotation.Annotated } output
                && type.NullableAnnotation == NullableAnnotation.NotAnnotated)
            {
                Report(
                    PipelineDiagnostics.NullableOutputToNonNullableParameter,
                    parameter.Location,
                    parameter.Parameter.Name,
                    stage.Name,
                    TypeFacts.ForMessage(type),
                    producer.Name,
                    TypeFacts.ForMessage(output));
            }

            parameter.Kind = ParameterBindingKind.Upstream;
            parameter.Source = producer.Name;
            if (!stage.Upstream.Contains(producer.Index))
            {
                stage.Upstream.Add(producer.Index);
            }
        }

        private void BindInput(StageCandidate stage, ParameterCandidate parameter)
        {
            var name = parameter.Parameter.Name;
            var type = parameter.Parameter.Type;
            parameter.Kind = ParameterBindingKind.PipelineInput;
            parameter.Source = name;
            if (Array.IndexOf(ReservedInputNames, name) >= 0)
            {
                Report(PipelineDiagnostics.ReservedInputName, parameter.Location, name, stage.Name);
            }

            if (!_inputs.TryGetValue(name, out var use))
            {
                _inputs.Add(name, new InputUse(parameter.Parameter, stage));
                if (!TypeFacts.ContainsErrorType(type) && RoundTripProblem(type) is { } problem)
                {
                    Report(PipelineDiagnostics.NotJsonRoundTrippable, parameter.Location, $"Pipeline input '{name}'", stage.Name, TypeFacts.ForMessage(type), problem.Describe(), problem.Advice);
                }

                return;
            }

            if (!SymbolEqualityComparer.Default.Equals(use.Parameter.Type, type))
            {
                Report(
                    PipelineDiagnostics.InputTypeConflict,
                    parameter.Location,
                    name,
                    TypeFacts.ForMessage(use.Parameter.Type),
                    use.Stage.Name,
                    TypeFacts.ForMessage(type),
                    stage.Name);
            }
            else if (type.NullableAnnotation == NullableAnnotation.Annotated)
            {
                // One stage accepting null is enough for the entry point to accept it.
                use.Parameter = parameter.Parameter;
            }
        }

        /// <summary>Conversions the invoker's cast performs on the boxed output: identity, reference, boxing, nullable.</summary>
        private bool Converts(ITypeSymbol from, ITypeSymbol to)
        {
            var conversion = ((CSharpCompilation)_compilation).ClassifyConversion(from, to);
            return conversion.Exists && conversion.IsImplicit && (conversion.IsIdentity || conversion.IsReference || conversion.IsBoxing || conversion.IsNullable);
        }

        private int[]? OrderStages()
        {
            var upstream = _stages.Select(s => (IReadOnlyList<int>)s.Upstream).ToList();
            var order = StageGraph.TopologicalOrder(upstream);
            if (order is not null)
            {
                return order;
            }

            foreach (var cycle in StageGraph.FindCycles(upstream))
            {
                var first = _stages[cycle[0]];
                var others = cycle.Skip(1).Distinct().Where(i => i != cycle[0]).Select(i => _stages[i].MethodLocation).Where(l => l is not null).Select(l => l!);
                _diagnostics.Add(DiagnosticInfo.Create(
                    PipelineDiagnostics.Cycle,
                    first.MethodLocation,
                    others.ToEquatableArray(),
                    _pipelineName,
                    string.Join(" → ", cycle.Select(i => _stages[i].Name))));
            }

            return null;
        }

        private PipelineModel BuildModel(int[] order)
        {
            var stages = new List<StageModel>(order.Length);
            var inputOrder = new List<string>();
            var inputStages = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var index in order)
            {
                var stage = _stages[index];
                var parameters = new List<StageParameterModel>(stage.Parameters.Count);
                foreach (var parameter in stage.Parameters)
                {
                    var (annotated, typeOf) = TypeNames(parameter.Parameter.Type);
                    parameters.Add(new StageParameterModel(parameter.Parameter.Name, annotated, typeOf, parameter.Kind!.Value, parameter.Source));
                    if (parameter.Kind == ParameterBindingKind.PipelineInput)
                    {
                        if (!inputStages.TryGetValue(parameter.Source!, out var readers))
                        {
                            inputStages.Add(parameter.Source!, readers = new List<string>());
                            inputOrder.Add(parameter.Source!);
                        }

                        if (!readers.Contains(stage.Name))
                        {
                            readers.Add(stage.Name);
                        }
                    }
                }

                var output = stage.OutputType!;
                var outputNames = TypeNames(output);
                stages.Add(new StageModel(
                    stage.Name,
                    TypeFacts.EscapeIdentifier(stage.Method.Name),
                    stage.Version,
                    stage.CodeHash,
                    outputNames.Annotated,
                    outputNames.TypeOf,
                    TypeFacts.AdmitsNull(output),
                    stage.ReturnKind,
                    TypeFacts.MemberKeyword(TypeFacts.EffectiveAccessibility(output)),
                    parameters.ToEquatableArray(),
                    stage.Placement));
            }

            var runAsyncAccessibility = Accessibility.Public;
            var inputs = new List<PipelineInputModel>(inputOrder.Count);
            foreach (var name in inputOrder)
            {
                var type = _inputs[name].Parameter.Type;
                runAsyncAccessibility = TypeFacts.Narrower(runAsyncAccessibility, TypeFacts.EffectiveAccessibility(type));
                var (annotated, typeOf) = TypeNames(type);
                inputs.Add(new PipelineInputModel(name, annotated, typeOf, inputStages[name].ToEquatableArray()));
            }

            var containing = new List<TypeDeclarationModel>();
            for (var outer = _type.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                containing.Insert(0, Declaration(outer));
            }

            return new PipelineModel(
                HintName(_type),
                _type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString(NamespaceFormat) : null,
                containing.ToEquatableArray(),
                Declaration(_type),
                _type.ToDisplayString(TypeFacts.TypeOfFormat),
                _pipelineName,
                stages.ToEquatableArray(),
                inputs.ToEquatableArray(),
                TypeFacts.MemberKeyword(runAsyncAccessibility) ?? "private");
        }

        /// <summary>Where a stage's name is written: the <c>[Stage("name")]</c> argument, or the method name.</summary>
        private LocationInfo? NameLocation(StageCandidate stage) =>
            (stage.HasExplicitName ? AttributeArgumentLocation(stage.Attribute, 0) : null) ?? stage.MethodLocation;

        /// <summary>Attributes are bound only where some are written: binding an empty list still costs.</summary>
        private bool HasAttributeSyntax(IParameterSymbol parameter)
        {
            foreach (var reference in parameter.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(_cancellationToken) is not ParameterSyntax syntax || syntax.AttributeLists.Count > 0)
                {
                    return true;
                }
            }

            return false;
        }

        private LocationInfo? AttributeArgumentLocation(AttributeData attribute, int position)
        {
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax;
            var arguments = syntax?.ArgumentList?.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
            return arguments is not null && position < arguments.Count ? LocationInfo.From(arguments[position].Expression) : LocationInfo.From(syntax);
        }

        private LocationInfo? AttributeArgumentLocation(AttributeData attribute, string name)
        {
            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken) as AttributeSyntax;
            var argument = syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
            return argument is not null ? LocationInfo.From(argument.Expression) : LocationInfo.From(syntax);
        }

        private static string Stages(List<StageCandidate> stages) =>
            (stages.Count == 1 ? "stage " : "stages ") + string.Join(", ", stages.Select(s => "'" + s.Name + "'"));

        private bool IsPartialEverywhere(INamedTypeSymbol type) =>
            type.DeclaringSyntaxReferences.All(r => r.GetSyntax(_cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));

        private TypeDeclarationModel Declaration(INamedTypeSymbol type)
        {
            var keyword = type.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => "class",
            };
            return new TypeDeclarationModel(keyword, TypeFacts.EscapeIdentifier(type.Name), type.IsStatic);
        }

        private static string HintName(INamedTypeSymbol type)
        {
            var name = type.ToDisplayString(HintNameFormat);
            var chars = name.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (!(char.IsLetterOrDigit(chars[i]) || chars[i] is '.' or '_'))
                {
                    chars[i] = '_';
                }
            }

            return new string(chars) + ".Pipeline.g.cs";
        }

        /// <summary>The first parameter that made a name a pipeline input, and its stage.</summary>
        private sealed class InputUse
        {
            public InputUse(IParameterSymbol parameter, StageCandidate stage)
            {
                Parameter = parameter;
                Stage = stage;
            }

            /// <summary>The parameter whose type (with its nullability) the entry point uses.</summary>
            public IParameterSymbol Parameter { get; set; }

            public StageCandidate Stage { get; }
        }
    }
}
