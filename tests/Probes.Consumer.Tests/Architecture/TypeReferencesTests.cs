using Probes.Consumer.Tests.Architecture.Samples;

namespace Probes.Consumer.Tests.Architecture;

/// <summary>The metadata reader behind <see cref="LayeringTests"/> finds a use in every place the compiler can put one.</summary>
[TestClass]
public sealed class TypeReferencesTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlySet<string>>> OfThisAssembly =
        new(() => TypeReferences.Of(typeof(TypeReferencesTests).Assembly.Location));

    [TestMethod]
    [DataRow(typeof(UsesAsBase))]
    [DataRow(typeof(UsesInAField))]
    [DataRow(typeof(UsesInASignature))]
    [DataRow(typeof(UsesInABody))]
    [DataRow(typeof(UsesAStaticField))]
    [DataRow(typeof(UsesInALocal))]
    [DataRow(typeof(UsesInACatch))]
    [DataRow(typeof(UsesInAGenericArgument))]
    [DataRow(typeof(UsesInALambda))]
    [DataRow(typeof(UsesInAnIterator))]
    [DataRow(typeof(UsesInAConstraint<>))]
    [DataRow(typeof(UsesInATypeof))]
    public void A_use_is_found(Type user)
    {
        IReadOnlySet<string> uses = OfThisAssembly.Value[user.FullName!];
        Assert.Contains(typeof(Used).FullName!, uses, string.Join(", ", uses));
    }

    [TestMethod]
    public void An_attribute_is_a_use_of_its_type()
    {
        Assert.Contains(typeof(UsedAttribute).FullName!, OfThisAssembly.Value[typeof(UsesAsAnAttribute).FullName!]);
    }

    [TestMethod]
    public void A_type_that_uses_none_of_ours_has_no_uses()
    {
        Assert.IsEmpty(OfThisAssembly.Value[typeof(UsesNothing).FullName!]);
    }
}
