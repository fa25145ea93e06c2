using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Probes.Consumer.Tests.Architecture;

/// <summary>
/// Which of an assembly's own types each of its types uses, read from the compiled metadata
/// (System.Reflection.Metadata), so nothing the compiler resolved can hide: base types and
/// interfaces, generic constraints, field, method, property and local variable signatures,
/// every type, method, field and signature token in method bodies (with generic
/// instantiations decoded), catch clauses, and the constructors of custom attributes on the
/// type, its members and their parameters. A nested type (lambdas, iterators, async state
/// machines) counts as part of its outermost type. Not read: <c>typeof(T)</c> arguments of
/// attributes, which metadata keeps as strings.
/// </summary>
internal sealed class TypeReferences
{
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value, code => code.OperandType);

    private readonly PEReader _pe;
    private readonly MetadataReader _reader;
    private readonly SignatureTypes _signatures = new();

    private TypeReferences(PEReader pe)
    {
        _pe = pe;
        _reader = pe.GetMetadataReader();
    }

    /// <summary>Full name of each outermost type -> full names of the outermost types it uses (itself excluded).</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Of(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        return new TypeReferences(pe).Collect();
    }

    private Dictionary<string, IReadOnlySet<string>> Collect()
    {
        var uses = new Dictionary<string, HashSet<TypeDefinitionHandle>>(StringComparer.Ordinal);
        foreach (TypeDefinitionHandle handle in _reader.TypeDefinitions)
        {
            string owner = FullName(Outermost(handle));
            if (!uses.TryGetValue(owner, out HashSet<TypeDefinitionHandle>? used))
            {
                uses[owner] = used = [];
            }
            AddType(handle, used);
        }
        return uses.ToDictionary(
            pair => pair.Key,
            pair => (IReadOnlySet<string>)pair.Value.Select(used => FullName(Outermost(used))).Where(name => name != pair.Key).ToHashSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    private void AddType(TypeDefinitionHandle handle, HashSet<TypeDefinitionHandle> used)
    {
        TypeDefinition type = _reader.GetTypeDefinition(handle);
        AddEntity(type.BaseType, used);
        foreach (InterfaceImplementationHandle implementation in type.GetInterfaceImplementations())
        {
            AddEntity(_reader.GetInterfaceImplementation(implementation).Interface, used);
        }
        AddGenericParameters(type.GetGenericParameters(), used);
        AddAttributes(type.GetCustomAttributes(), used);
        foreach (FieldDefinitionHandle fieldHandle in type.GetFields())
        {
            FieldDefinition field = _reader.GetFieldDefinition(fieldHandle);
            used.UnionWith(field.DecodeSignature(_signatures, null));
            AddAttributes(field.GetCustomAttributes(), used);
        }
        foreach (PropertyDefinitionHandle propertyHandle in type.GetProperties())
        {
            PropertyDefinition property = _reader.GetPropertyDefinition(propertyHandle);
            AddSignature(property.DecodeSignature(_signatures, null), used);
            AddAttributes(property.GetCustomAttributes(), used);
        }
        foreach (EventDefinitionHandle eventHandle in type.GetEvents())
        {
            EventDefinition definition = _reader.GetEventDefinition(eventHandle);
            AddEntity(definition.Type, used);
            AddAttributes(definition.GetCustomAttributes(), used);
        }
        foreach (MethodDefinitionHandle methodHandle in type.GetMethods())
        {
            AddMethod(_reader.GetMethodDefinition(methodHandle), used);
        }
    }

    private void AddMethod(MethodDefinition method, HashSet<TypeDefinitionHandle> used)
    {
        AddSignature(method.DecodeSignature(_signatures, null), used);
        AddGenericParameters(method.GetGenericParameters(), used);
        AddAttributes(method.GetCustomAttributes(), used);
        foreach (ParameterHandle parameter in method.GetParameters())
        {
            AddAttributes(_reader.GetParameter(parameter).GetCustomAttributes(), used);
        }
        if (method.RelativeVirtualAddress == 0)
        {
            return; // abstract, extern or P/Invoke: no body
        }
        MethodBodyBlock body = _pe.GetMethodBody(method.RelativeVirtualAddress);
        if (!body.LocalSignature.IsNil)
        {
            foreach (ImmutableHashSet<TypeDefinitionHandle> local in _reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_signatures, null))
            {
                used.UnionWith(local);
            }
        }
        foreach (ExceptionRegion region in body.ExceptionRegions)
        {
            AddEntity(region.CatchType, used);
        }
        BlobReader il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
            {
                code = unchecked((short)(0xFE00 | il.ReadByte()));
            }
            switch (Operands[code])
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineSig or OperandType.InlineTok or OperandType.InlineType:
                    AddEntity(MetadataTokens.EntityHandle(il.ReadInt32()), used);
                    break;
                case OperandType.InlineSwitch:
                    int targets = il.ReadInt32(); // read before Offset, which `+=` would fetch first
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineString or OperandType.ShortInlineR:
                    il.Offset += 4;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineNone:
                    break;
                default:
                    throw new InvalidOperationException($"IL operand type {Operands[code]} of opcode 0x{code:x4} is not handled");
            }
        }
    }

    private void AddGenericParameters(GenericParameterHandleCollection parameters, HashSet<TypeDefinitionHandle> used)
    {
        foreach (GenericParameterHandle parameterHandle in parameters)
        {
            GenericParameter parameter = _reader.GetGenericParameter(parameterHandle);
            AddAttributes(parameter.GetCustomAttributes(), used);
            foreach (GenericParameterConstraintHandle constraint in parameter.GetConstraints())
            {
                AddEntity(_reader.GetGenericParameterConstraint(constraint).Type, used);
            }
        }
    }

    private void AddAttributes(CustomAttributeHandleCollection attributes, HashSet<TypeDefinitionHandle> used)
    {
        foreach (CustomAttributeHandle attribute in attributes)
        {
            AddEntity(_reader.GetCustomAttribute(attribute).Constructor, used);
        }
    }

    private static void AddSignature(MethodSignature<ImmutableHashSet<TypeDefinitionHandle>> signature, HashSet<TypeDefinitionHandle> used)
    {
        used.UnionWith(signature.ReturnType);
        foreach (ImmutableHashSet<TypeDefinitionHandle> parameter in signature.ParameterTypes)
        {
            used.UnionWith(parameter);
        }
    }

    /// <summary>The own types a metadata token names: the type itself, a member's declaring type, or every type in a signature or instantiation.</summary>
    private void AddEntity(EntityHandle handle, HashSet<TypeDefinitionHandle> used)
    {
        if (handle.IsNil)
        {
            return;
        }
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                used.Add((TypeDefinitionHandle)handle);
                break;
            case HandleKind.TypeReference:
                break; // another assembly's type
            case HandleKind.TypeSpecification:
                used.UnionWith(_reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_signatures, null));
                break;
            case HandleKind.MethodDefinition:
                used.Add(_reader.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                used.Add(_reader.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.MemberReference:
                MemberReference member = _reader.GetMemberReference((MemberReferenceHandle)handle);
                AddEntity(member.Parent, used);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    AddSignature(member.DecodeMethodSignature(_signatures, null), used);
                }
                else
                {
                    used.UnionWith(member.DecodeFieldSignature(_signatures, null));
                }
                break;
            case HandleKind.MethodSpecification:
                MethodSpecification specification = _reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                AddEntity(specification.Method, used);
                foreach (ImmutableHashSet<TypeDefinitionHandle> argument in specification.DecodeSignature(_signatures, null))
                {
                    used.UnionWith(argument);
                }
                break;
            case HandleKind.StandaloneSignature:
                AddSignature(_reader.GetStandaloneSignature((StandaloneSignatureHandle)handle).DecodeMethodSignature(_signatures, null), used);
                break;
            default:
                throw new InvalidOperationException($"metadata token of kind {handle.Kind} is not handled");
        }
    }

    private TypeDefinitionHandle Outermost(TypeDefinitionHandle handle)
    {
        for (TypeDefinitionHandle declaring = _reader.GetTypeDefinition(handle).GetDeclaringType(); !declaring.IsNil; declaring = _reader.GetTypeDefinition(handle).GetDeclaringType())
        {
            handle = declaring;
        }
        return handle;
    }

    private string FullName(TypeDefinitionHandle handle)
    {
        TypeDefinition type = _reader.GetTypeDefinition(handle);
        string name = _reader.GetString(type.Name);
        string space = _reader.GetString(type.Namespace);
        return space.Length == 0 ? name : $"{space}.{name}";
    }

    /// <summary>Decodes a signature into the set of this assembly's types it mentions; other assemblies' types and primitives are empty.</summary>
    private sealed class SignatureTypes : ISignatureTypeProvider<ImmutableHashSet<TypeDefinitionHandle>, object?>
    {
        private static readonly ImmutableHashSet<TypeDefinitionHandle> None = [];

        public ImmutableHashSet<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];
        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;
        public ImmutableHashSet<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public ImmutableHashSet<TypeDefinitionHandle> GetSZArrayType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetArrayType(ImmutableHashSet<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetByReferenceType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetPointerType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetPinnedType(ImmutableHashSet<TypeDefinitionHandle> elementType) => elementType;
        public ImmutableHashSet<TypeDefinitionHandle> GetGenericInstantiation(ImmutableHashSet<TypeDefinitionHandle> genericType, ImmutableArray<ImmutableHashSet<TypeDefinitionHandle>> typeArguments) =>
            typeArguments.Aggregate(genericType, (all, argument) => all.Union(argument));
        public ImmutableHashSet<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;
        public ImmutableHashSet<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;
        public ImmutableHashSet<TypeDefinitionHandle> GetModifiedType(ImmutableHashSet<TypeDefinitionHandle> modifier, ImmutableHashSet<TypeDefinitionHandle> unmodifiedType, bool isRequired) =>
            modifier.Union(unmodifiedType);
        public ImmutableHashSet<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<ImmutableHashSet<TypeDefinitionHandle>> signature) =>
            signature.ParameterTypes.Aggregate(signature.ReturnType, (all, parameter) => all.Union(parameter));
    }
}
