using System.Collections.Generic;
using System.Linq;
using Fody;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace Probes.Weaver;

/// <summary>
/// Makes an <c>async void</c> method one phase. Nothing outside can observe when it
/// completes, so unlike <see cref="AsyncMethodProcessor"/> this one reaches into the state
/// machine: the stub stores the scope in a new field before <c>Start</c>, and
/// <c>MoveNext</c> ends the phase just before it calls the builder's <c>SetResult</c>
/// (completed) or <c>SetException</c> (faulted or canceled). The cost while disabled is that
/// field (8 bytes more in a state machine that suspends) and one inlined null test at the end.
/// </summary>
internal sealed class AsyncVoidMethodProcessor
{
    private const string ScopeFieldName = "<>p__probesScope";
    private readonly SdkReferences _sdk;
    private readonly PhaseMethod _phase;

    public AsyncVoidMethodProcessor(SdkReferences sdk, PhaseMethod phase)
    {
        _sdk = sdk;
        _phase = phase;
    }

    public void Process()
    {
        MethodDefinition stub = _phase.Method;
        TypeDefinition stateMachine = StateMachineOf(stub);
        var field = new FieldDefinition(ScopeFieldName, FieldAttributes.Public, _sdk.PhaseScope);
        stateMachine.Fields.Add(field);
        WeaveStub(stub, stateMachine, field);
        WeaveMoveNext(stateMachine, field);
    }

    private static TypeDefinition StateMachineOf(MethodDefinition stub)
    {
        CustomAttribute attribute = stub.CustomAttributes.Single(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.AsyncStateMachineAttribute");
        return ((TypeReference)attribute.ConstructorArguments[0].Value).Resolve()
            ?? throw new WeavingException($"{stub.FullName}: its state machine type could not be resolved.");
    }

    private void WeaveStub(MethodDefinition stub, TypeDefinition stateMachine, FieldDefinition field)
    {
        MethodBody body = stub.Body;
        body.SimplifyMacros();
        ILProcessor il = body.GetILProcessor();
        VariableDefinition machine = body.Variables.Single(v => v.VariableType.GetElementType().Resolve() == stateMachine);
        Instruction start = body.Instructions.Single(i => i.OpCode == OpCodes.Call && i.Operand is MethodReference { Name: "Start" } m
            && m.DeclaringType.FullName == "System.Runtime.CompilerServices.AsyncVoidMethodBuilder");

        var scope = new VariableDefinition(_sdk.PhaseScope);
        body.Variables.Add(scope);
        Instruction first = body.Instructions[0];
        foreach (Instruction instruction in PhaseBeginEmitter.Emit(_sdk, _phase, scope))
        {
            il.InsertBefore(first, instruction);
        }

        // Stack-neutral, so it fits between the pushed Start arguments and the call.
        var fieldOnMachine = new FieldReference(field.Name, field.FieldType, machine.VariableType);
        il.InsertBefore(start, il.Create(stateMachine.IsValueType ? OpCodes.Ldloca : OpCodes.Ldloc, machine));
        il.InsertBefore(start, il.Create(OpCodes.Ldloc, scope));
        il.InsertBefore(start, il.Create(OpCodes.Stfld, fieldOnMachine));

        Instruction after = start.Next;
        il.InsertBefore(after, il.Create(OpCodes.Ldloca, scope));
        il.InsertBefore(after, il.Create(OpCodes.Call, _sdk.ScopeIsRecording));
        il.InsertBefore(after, il.Create(OpCodes.Brfalse, after));
        il.InsertBefore(after, il.Create(OpCodes.Ldloc, scope));
        il.InsertBefore(after, il.Create(OpCodes.Call, _sdk.LeaveCaller));
        body.OptimizeMacros();
    }

    private void WeaveMoveNext(TypeDefinition stateMachine, FieldDefinition field)
    {
        MethodDefinition moveNext = stateMachine.Methods.Single(m => m.Name == "MoveNext");
        MethodBody body = moveNext.Body;
        body.SimplifyMacros();
        ILProcessor il = body.GetILProcessor();
        FieldReference scopeField = field;
        if (stateMachine.HasGenericParameters)
        {
            var self = new GenericInstanceType(stateMachine);
            foreach (GenericParameter parameter in stateMachine.GenericParameters)
            {
                self.GenericArguments.Add(parameter);
            }
            scopeField = new FieldReference(field.Name, field.FieldType, self);
        }

        List<Instruction> completions = body.Instructions.Where(i => i.OpCode == OpCodes.Call && i.Operand is MethodReference m
            && m.DeclaringType.FullName == "System.Runtime.CompilerServices.AsyncVoidMethodBuilder"
            && m.Name is "SetResult" or "SetException").ToList();
        if (completions.Count == 0)
        {
            throw new WeavingException($"{moveNext.FullName}: no SetResult or SetException call was found.");
        }
        foreach (Instruction call in completions)
        {
            // Inserted right before the call: the builder address (and the exception) are
            // already on the stack, and the inserted code leaves the stack as it found it.
            if (((MethodReference)call.Operand).Name == "SetResult")
            {
                il.InsertBefore(call, il.Create(OpCodes.Ldarg_0));
                il.InsertBefore(call, il.Create(OpCodes.Ldflda, scopeField));
                il.InsertBefore(call, il.Create(OpCodes.Ldc_I4_0));
                il.InsertBefore(call, il.Create(OpCodes.Call, _sdk.ScopeEnd));
            }
            else
            {
                il.InsertBefore(call, il.Create(OpCodes.Dup));
                il.InsertBefore(call, il.Create(OpCodes.Ldarg_0));
                il.InsertBefore(call, il.Create(OpCodes.Ldfld, scopeField));
                il.InsertBefore(call, il.Create(OpCodes.Call, _sdk.Fault));
            }
        }
        body.OptimizeMacros();
    }
}
