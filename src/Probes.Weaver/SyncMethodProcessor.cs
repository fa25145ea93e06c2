using System.Collections.Generic;
using System.Linq;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;
using Mono.Collections.Generic;

namespace Probes.Weaver;

/// <summary>
/// Makes a synchronous method (or constructor) one phase. The result reads like:
/// <code>
/// PhaseScope scope = BEGIN;                    // see PhaseBeginEmitter: semaphore read and branch
/// int status = 0;
/// try {
///     try { BODY (each return: result = value; leave RETURN) }
///     filter { status = WovenPhase.StatusOf(exception); false }   // records, never catches
/// } finally { scope.End((PhaseStatus)status); }                    // no-op when not recording
/// RETURN: return result;
/// </code>
/// A method that returns a Task or ValueTask without being <c>async</c> (it forwards another
/// call's task) is woven the same way, except that its phase spans the returned task: the
/// finally ends it only when an exception leaves, and the return goes through
/// <c>WovenPhase.Leave</c> like an async stub's.
/// The filter only records the status: the exception is never caught and rethrown, so
/// callers' filters, first-pass semantics and stack traces are untouched, and the end fires
/// in the second pass, after the ends of phases nested inside.
/// </summary>
internal sealed class SyncMethodProcessor
{
    private readonly SdkReferences _sdk;
    private readonly TypeReference _int32;
    private readonly PhaseMethod _phase;

    public SyncMethodProcessor(SdkReferences sdk, TypeReference int32, PhaseMethod phase)
    {
        _sdk = sdk;
        _int32 = int32;
        _phase = phase;
    }

    public void Process()
    {
        MethodDefinition method = _phase.Method;
        MethodBody body = method.Body;
        body.SimplifyMacros();
        ILProcessor il = body.GetILProcessor();

        var scope = new VariableDefinition(_sdk.PhaseScope);
        var status = new VariableDefinition(_int32);
        body.Variables.Add(scope);
        body.Variables.Add(status);
        VariableDefinition? result = null;
        if (method.ReturnType.MetadataType != MetadataType.Void)
        {
            result = new VariableDefinition(method.ReturnType);
            body.Variables.Add(result);
        }

        List<Instruction> returns = body.Instructions.Where(i => i.OpCode == OpCodes.Ret).ToList();
        Instruction tryStart = FindBodyStart(method);

        // The phase begins where the method's own work begins (after base/this ctor call).
        foreach (Instruction instruction in PhaseBeginEmitter.Emit(_sdk, _phase, scope))
        {
            il.InsertBefore(tryStart, instruction);
        }
        il.InsertBefore(tryStart, il.Create(OpCodes.Ldc_I4_0));
        il.InsertBefore(tryStart, il.Create(OpCodes.Stloc, status));

        // A method that returns a task without being async: the phase must span the task, so
        // the finally ends it only on an exception and the return hands the task to Leave.
        MethodReference? leave = _phase.Kind == PhaseKind.TaskReturning ? _sdk.LeaveFor(method.ReturnType) : null;
        Instruction filterStart = il.Create(OpCodes.Call, _sdk.StatusOf);
        Instruction filterHandler = il.Create(OpCodes.Pop);
        Instruction finallyStart = leave is null ? il.Create(OpCodes.Ldloca, scope) : il.Create(OpCodes.Ldloc, status);
        Instruction returnStart = result is null ? il.Create(OpCodes.Ret) : il.Create(OpCodes.Ldloc, result);

        // Handlers that ran to the end of the method must keep ending where the body ends.
        foreach (ExceptionHandler handler in body.ExceptionHandlers.Where(h => h.HandlerEnd is null))
        {
            handler.HandlerEnd = filterStart;
        }

        il.Append(filterStart);
        il.Append(il.Create(OpCodes.Stloc, status));
        il.Append(il.Create(OpCodes.Ldc_I4_0));
        il.Append(il.Create(OpCodes.Endfilter));
        il.Append(filterHandler);
        il.Append(il.Create(OpCodes.Rethrow));
        il.Append(finallyStart);
        if (leave is null)
        {
            il.Append(il.Create(OpCodes.Ldloc, status));
            il.Append(il.Create(OpCodes.Call, _sdk.ScopeEnd));
            il.Append(il.Create(OpCodes.Endfinally));
        }
        else
        {
            Instruction endFinally = il.Create(OpCodes.Endfinally);
            il.Append(il.Create(OpCodes.Brfalse, endFinally));
            il.Append(il.Create(OpCodes.Ldloca, scope));
            il.Append(il.Create(OpCodes.Ldloc, status));
            il.Append(il.Create(OpCodes.Call, _sdk.ScopeEnd));
            il.Append(endFinally);
        }
        il.Append(returnStart);
        if (leave is not null)
        {
            Instruction ret = il.Create(OpCodes.Ret);
            il.Append(il.Create(OpCodes.Ldloca, scope));
            il.Append(il.Create(OpCodes.Call, _sdk.ScopeIsRecording));
            il.Append(il.Create(OpCodes.Brfalse, ret));
            il.Append(il.Create(OpCodes.Ldloc, scope));
            il.Append(il.Create(OpCodes.Call, leave));
            il.Append(ret);
        }
        else if (result is not null)
        {
            il.Append(il.Create(OpCodes.Ret));
        }

        // Every return leaves the protected region through the one exit. The ret object is
        // reused so branches that targeted it now target the store or the leave.
        foreach (Instruction ret in returns)
        {
            if (result is null)
            {
                ret.OpCode = OpCodes.Leave;
                ret.Operand = returnStart;
            }
            else
            {
                ret.OpCode = OpCodes.Stloc;
                ret.Operand = result;
                il.InsertAfter(ret, il.Create(OpCodes.Leave, returnStart));
            }
        }

        // Inner handler first, as the CLI requires.
        body.ExceptionHandlers.Add(new ExceptionHandler(ExceptionHandlerType.Filter)
        {
            TryStart = tryStart,
            TryEnd = filterStart,
            FilterStart = filterStart,
            HandlerStart = filterHandler,
            HandlerEnd = finallyStart,
        });
        body.ExceptionHandlers.Add(new ExceptionHandler(ExceptionHandlerType.Finally)
        {
            TryStart = tryStart,
            TryEnd = finallyStart,
            HandlerStart = finallyStart,
            HandlerEnd = returnStart,
        });
        body.OptimizeMacros();
    }

    /// <summary>
    /// The first instruction of the method's own work. In an instance constructor of a class
    /// that is after the call to the base or chained constructor: before it, <c>this</c> is not
    /// initialized and may not be inside a protected region.
    /// </summary>
    private static Instruction FindBodyStart(MethodDefinition method)
    {
        Collection<Instruction> instructions = method.Body.Instructions;
        if (method.IsConstructor && !method.IsStatic && !method.DeclaringType.IsValueType)
        {
            Instruction? chained = instructions.FirstOrDefault(i =>
                i.OpCode == OpCodes.Call
                && i.Operand is MethodReference { Name: ".ctor" } callee
                && (callee.DeclaringType.Resolve() == method.DeclaringType.BaseType?.Resolve() || callee.DeclaringType.Resolve() == method.DeclaringType));
            if (chained is null)
            {
                throw new Fody.WeavingException($"{method.FullName}: no call to a base or chained constructor was found.");
            }
            return chained.Next;
        }
        return instructions[0];
    }
}
