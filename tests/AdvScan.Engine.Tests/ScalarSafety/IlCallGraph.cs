using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace AdvScan.Engine.Tests.ScalarSafety;

/// <summary>
/// Which methods an assembly's IL calls, read with System.Reflection.Metadata: for every method with a body, the
/// methods it calls, constructs or takes a delegate to (call, callvirt, newobj, ldftn, ldvirtftn), named as
/// <c>Namespace.Type/Nested::Name(ParameterTypes)</c>. Enough to follow calls into TorchSharp without running them.
/// </summary>
internal static class IlCallGraph
{
    private static readonly Dictionary<ushort, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => (ushort)o.Value, o => o.OperandType);

    /// <summary>Every method of <paramref name="assembly"/> with a body, and the methods it calls.</summary>
    public static Dictionary<string, List<string>> Read(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var md = pe.GetMetadataReader();
        var names = new Names(md);
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var handle in md.MethodDefinitions)
        {
            var method = md.GetMethodDefinition(handle);
            if (method.RelativeVirtualAddress == 0) continue;
            var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
            var calls = new List<string>();
            while (il.RemainingBytes > 0)
            {
                ushort code = il.ReadByte();
                if (code == 0xFE) code = (ushort)(0xFE00 | il.ReadByte());
                switch (Operands[code])
                {
                    case OperandType.InlineNone: break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.ReadByte(); break;
                    case OperandType.InlineVar: il.ReadInt16(); break;
                    case OperandType.InlineI8 or OperandType.InlineR: il.ReadInt64(); break;
                    case OperandType.InlineSwitch:
                        for (int n = il.ReadInt32(); n > 0; n--) il.ReadInt32();
                        break;
                    case OperandType.InlineMethod: calls.Add(names.Method(MetadataTokens.EntityHandle(il.ReadInt32()))); break;
                    default: il.ReadInt32(); break;
                }
            }
            result.TryAdd(names.Method(handle), calls);
        }
        return result;
    }

    private sealed class Names(MetadataReader md) : ISignatureTypeProvider<string, object?>
    {
        public string Method(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                {
                    var m = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    return $"{Type(m.GetDeclaringType())}::{md.GetString(m.Name)}{Parameters(m.Signature)}";
                }
                case HandleKind.MemberReference:
                {
                    var m = md.GetMemberReference((MemberReferenceHandle)handle);
                    var parent = m.Parent.Kind == HandleKind.TypeSpecification ? Specification((TypeSpecificationHandle)m.Parent) : Type(m.Parent);
                    return $"{parent}::{md.GetString(m.Name)}{(m.GetKind() == MemberReferenceKind.Method ? Parameters(m.Signature) : "")}";
                }
                case HandleKind.MethodSpecification:
                    return Method(md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
                default:
                    return "?";
            }
        }

        private string Parameters(BlobHandle signature)
        {
            var reader = md.GetBlobReader(signature);
            var decoded = new SignatureDecoder<string, object?>(this, md, null).DecodeMethodSignature(ref reader);
            return "(" + string.Join(",", decoded.ParameterTypes) + ")";
        }

        private string Specification(TypeSpecificationHandle handle)
        {
            var reader = md.GetBlobReader(md.GetTypeSpecification(handle).Signature);
            return new SignatureDecoder<string, object?>(this, md, null).DecodeType(ref reader);
        }

        private string Type(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => Definition(md.GetTypeDefinition((TypeDefinitionHandle)handle)),
            HandleKind.TypeReference => Reference(md.GetTypeReference((TypeReferenceHandle)handle)),
            HandleKind.TypeSpecification => Specification((TypeSpecificationHandle)handle),
            _ => "?",
        };

        private string Definition(TypeDefinition t)
        {
            var declaring = t.GetDeclaringType();
            if (!declaring.IsNil) return Definition(md.GetTypeDefinition(declaring)) + "/" + md.GetString(t.Name);
            var ns = md.GetString(t.Namespace);
            return ns.Length > 0 ? $"{ns}.{md.GetString(t.Name)}" : md.GetString(t.Name);
        }

        private string Reference(TypeReference t)
        {
            if (t.ResolutionScope.Kind == HandleKind.TypeReference)
                return Reference(md.GetTypeReference((TypeReferenceHandle)t.ResolutionScope)) + "/" + md.GetString(t.Name);
            var ns = md.GetString(t.Namespace);
            return ns.Length > 0 ? $"{ns}.{md.GetString(t.Name)}" : md.GetString(t.Name);
        }

        public string GetArrayType(string element, ArrayShape shape) => element + "[,]";
        public string GetByReferenceType(string element) => element + "&";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericInstantiation(string generic, ImmutableArray<string> arguments) => $"{generic}<{string.Join(",", arguments)}>";
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetModifiedType(string modifier, string unmodified, bool isRequired) => unmodified;
        public string GetPinnedType(string element) => element;
        public string GetPointerType(string element) => element + "*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string element) => element + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Type(handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Type(handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) => Specification(handle);
    }
}
