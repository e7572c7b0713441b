import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../runtime/errors.js';
import { WorkflowError } from '../../orchestration/errors.js';
import { defineWorkflow, resolveReferences, type WorkflowDefinition } from '../../orchestration/Workflow.js';

function thrown(fn: () => unknown): WorkflowError {
  try {
    fn();
  } catch (e) {
    return e as WorkflowError;
  }
  throw new Error('expected a throw');
}

const depsOf = (def: WorkflowDefinition): Record<string, string[]> =>
  Object.fromEntries(defineWorkflow(def).steps.map((s) => [s.id, s.dependsOn]));

describe('defineWorkflow: dependencies', () => {
  it('chains steps in declaration order by default', () => {
    expect(
      depsOf({
        id: 'report',
        steps: [
          { id: 'collect', agent: 'collector', action: 'collect_data' },
          { id: 'process', agent: 'processor', action: 'process_data' },
          { id: 'report', agent: 'reporter', action: 'generate_report' },
        ],
      }),
    ).toEqual({ collect: [], process: ['collect'], report: ['process'] });
  });

  it('runs a parallel group after the previous entry and joins it before the next', () => {
    const wf = defineWorkflow({
      id: 'fan',
      steps: [
        { id: 'split', agent: 'a', action: 'split' },
        { parallel: [{ id: 'left', agent: 'b', action: 'x' }, { id: 'right', agent: 'c', action: 'x' }] },
        { id: 'join', agent: 'd', action: 'merge' },
      ],
    });
    expect(Object.fromEntries(wf.steps.map((s) => [s.id, s.dependsOn]))).toEqual({
      split: [],
      left: ['split'],
      right: ['split'],
      join: ['left', 'right'],
    });
    expect(wf.sinks).toEqual(['join']);
  });

  it('takes explicit dependsOn over declaration order, and [] as a root', () => {
    expect(
      depsOf({
        id: 'w',
        steps: [
          { id: 'a', agent: 'x', action: 'y' },
          { id: 'b', agent: 'x', action: 'y', dependsOn: [] },
          { id: 'c', agent: 'x', action: 'y', dependsOn: ['a'] },
        ],
      }),
    ).toEqual({ a: [], b: [], c: ['a'] });
  });

  it('adds the steps an input refers to as dependencies', () => {
    expect(
      depsOf({
        id: 'w',
        steps: [
          { id: 'a', agent: 'x', action: 'y', dependsOn: [] },
          { id: 'b', agent: 'x', action: 'y', dependsOn: [] },
          { id: 'c', agent: 'x', action: 'y', dependsOn: [], input: { text: '$steps.a.output', note: 'see {{ $steps.b.output.title }}' } },
        ],
      }),
    ).toEqual({ a: [], b: [], c: ['a', 'b'] });
  });
});

describe('defineWorkflow: validation', () => {
  it('rejects duplicate step ids, naming the step', () => {
    const e = thrown(() =>
      defineWorkflow({
        id: 'w',
        steps: [{ id: 'a', agent: 'x', action: 'y' }, { parallel: [{ id: 'a', agent: 'x', action: 'y' }] }],
      }),
    );
    expect(e).toBeInstanceOf(WorkflowError);
    expect(e.code).toBe('ERR_WORKFLOW_DUPLICATE_STEP');
    expect(e.message).toBe("Workflow w declares step 'a' more than once");
    expect(e.context.stepId).toBe('a');
  });

  it('rejects unknown steps in dependsOn and in references, naming both steps', () => {
    const dep = thrown(() => defineWorkflow({ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', dependsOn: ['ghost'] }] }));
    expect(dep.code).toBe('ERR_WORKFLOW_UNKNOWN_STEP');
    expect(dep.message).toBe("Step 'a' of workflow w depends on unknown step 'ghost'");
    expect(dep.context).toMatchObject({ stepId: 'a', unknownStepId: 'ghost' });

    const ref = thrown(() => defineWorkflow({ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', input: '$steps.nope.output' }] }));
    expect(ref.message).toBe("Step 'a' of workflow w refers to unknown step 'nope'");

    const out = thrown(() => defineWorkflow({ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y' }], output: '$steps.b.output' }));
    expect(out.message).toBe("Workflow output of workflow w refers to unknown step 'b'");
  });

  it('rejects cycles, naming the path', () => {
    const e = thrown(() =>
      defineWorkflow({
        id: 'w',
        steps: [
          { id: 'a', agent: 'x', action: 'y', dependsOn: ['c'] },
          { id: 'b', agent: 'x', action: 'y', dependsOn: ['a'] },
          { id: 'c', agent: 'x', action: 'y', dependsOn: ['b'] },
        ],
      }),
    );
    expect(e.code).toBe('ERR_WORKFLOW_CYCLE');
    expect(e.message).toBe('Workflow w has a dependency cycle: a -> c -> b -> a');
    expect(e.context.cycle).toEqual(['a', 'c', 'b', 'a']);
  });

  it('rejects a step that refers to itself or to a later step it would wait on', () => {
    expect(thrown(() => defineWorkflow({ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', input: '$steps.a.output' }] })).code).toBe(
      'ERR_WORKFLOW_CYCLE',
    );
  });

  it('rejects malformed references but leaves other dollar text and foreign templates alone', () => {
    const e = thrown(() => defineWorkflow({ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', input: '$steps.a' }] }));
    expect(e.code).toBe('ERR_WORKFLOW_INVALID_REFERENCE');
    expect(e.message).toContain('$steps.a');
    expect(() =>
      defineWorkflow({ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', input: ['$5 off', '$inputs', 'Hi {{ name }}', '$$input'] }] }),
    ).not.toThrow();
  });

  it('rejects malformed fields with InvalidOptionError naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [{ id: 'w', steps: [] }, /workflow\.steps/],
      [{ id: 'w', steps: [{ id: 'a b', agent: 'x', action: 'y' }] }, /workflow\.steps\[0\]\.id/],
      [{ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', retry: { attempts: 0, backoffMs: 1 } }] }, /workflow\.steps\[0\]\.retry\.attempts/],
      [{ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', dependOn: ['b'] }] }, /workflow\.steps\[0\]\.dependOn/],
      [{ id: 'w', steps: [{ parallel: [{ id: 'a', agent: '', action: 'y' }] }] }, /workflow\.steps\[0\]\.parallel\[0\]\.agent/],
      [{ id: 'w', steps: [{ id: 'a', agent: 'x', action: 'y', timeoutMs: -1 }] }, /timeoutMs/],
    ];
    for (const [def, field] of cases) {
      expect(() => defineWorkflow(def as WorkflowDefinition)).toThrow(InvalidOptionError);
      expect(() => defineWorkflow(def as WorkflowDefinition)).toThrow(field);
    }
  });
});

describe('resolveReferences', () => {
  const scope = {
    input: { user: 'ada', langs: ['en', 'fr'] },
    outputs: new Map<string, unknown>([
      ['fetch', { items: [{ title: 'First' }], count: 1 }],
      ['empty', undefined],
    ]),
  };
  const where = { workflowId: 'w', stepId: 's' };

  it('keeps the type of whole-string references and paths into them', () => {
    expect(resolveReferences('$input', scope, where)).toEqual(scope.input);
    expect(resolveReferences('$input.langs.1', scope, where)).toBe('fr');
    expect(resolveReferences('$steps.fetch.output.count', scope, where)).toBe(1);
    expect(resolveReferences({ list: ['$steps.fetch.output.items'] }, scope, where)).toEqual({ list: [[{ title: 'First' }]] });
  });

  it('renders templates as text, objects as JSON and undefined as nothing', () => {
    expect(resolveReferences('For {{ $input.user }}: {{$steps.fetch.output.items.0.title}} ({{ $steps.fetch.output.count }})', scope, where)).toBe(
      'For ada: First (1)',
    );
    expect(resolveReferences('{{ $input.langs }}|{{ $steps.empty.output }}|', scope, where)).toBe('["en","fr"]||');
  });

  it('unescapes $$ and leaves unrelated strings', () => {
    expect(resolveReferences(['$$input', '$5', 'Hi {{ name }}'], scope, where)).toEqual(['$input', '$5', 'Hi {{ name }}']);
  });

  it('fails on a missing path instead of passing undefined on', () => {
    const e = thrown(() => resolveReferences('$steps.fetch.output.itmes', scope, where));
    expect(e.code).toBe('ERR_WORKFLOW_UNRESOLVED_REFERENCE');
    expect(e.message).toBe("Step 's' of workflow w could not resolve $steps.fetch.output.itmes: no 'itmes' in an object");
  });
});
