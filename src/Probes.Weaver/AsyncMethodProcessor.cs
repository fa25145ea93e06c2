using System.Collections.Generic;
using System.Linq;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace Probes.Weaver;

/// <summary>
/// Makes an async method one phase by rewriting only its stub (the method that creates the
/// state machine, calls <c>Start</c> and returns the builder's task):
/// <code>
/// PhaseScope scope = BEGIN;                // PhaseBeginEmitter; when recording, the span is current
/// ... builder.Start(ref stateMachine) ...   // runs under the new span and captures it
/// Task task = builder.Task;
/// if (scope.IsRecording) task = WovenPhase.Leave(task, scope);  // caller's phase back; end on completion
/// return task;
/// </code>
/// The state machine itself is untouched, so the disabled path adds no field, no allocation
/// and nothing to <c>MoveNext</c>: only the semaphore read and two branches in the stub.
/// </summary>
internal sealed class AsyncMethodProcessor
{
    private readonly SdkReferences _sdk;
    private readonly PhaseMethod _phase;

    public AsyncMethodProcessor(SdkReferences sdk, PhaseMethod phase)
    {
        _sdk = sdk;
        _phase = phase;
    }

    public void Process()
    {
        MethodDefinition method = _phase.Method;
        MethodReference leave = _sdk.LeaveFor(method.ReturnType)
            ?? throw new Fody.WeavingException($"{method.FullName}: unsupported async return type {method.ReturnType.FullName}.");
        MethodBody body = method.Body;
        body.SimplifyMacros();
        ILProcessor il = body.GetILProcessor();

        var scope = new VariableDefinition(_sdk.PhaseScope);
        body.Variables.Add(scope);
        List<Instruction> returns = body.Instructions.Where(i => i.OpCode == OpCodes.Ret).ToList();

        Instruction first = body.Instructions[0];
        foreach (Instruction instruction in PhaseBeginEmitter.Emit(_sdk, _phase, scope))
        {
            il.InsertBefore(first, instruction);
        }

        foreach (Instruction ret in returns)
        {
            // The ret object becomes the first inserted instruction, so any branch to the
            // return goes through Leave too; a new ret ends the block. Stack: [task].
            Instruction newRet = il.Create(OpCodes.Ret);
            ret.OpCode = OpCodes.Ldloca;
            ret.Operand = scope;
            Instruction[] tail =
            [
                il.Create(OpCodes.Call, _sdk.ScopeIsRecording),
                il.Create(OpCodes.Brfalse, newRet),
                il.Create(OpCodes.Ldloc, scope),
                il.Create(OpCodes.Call, leave),
                newRet,
            ];
            Instruction previous = ret;
            foreach (Instruction instruction in tail)
            {
                il.InsertAfter(previous, instruction);
                previous = instruction;
            }
        }
        body.OptimizeMacros();
    }
}
