import { describe, expect, it } from 'vitest';
import { parseCaseCommand } from '../../src/slack/command-text.js';

describe('/case text', () => {
  it('understands the subcommands', () => {
    expect(parseCaseCommand('')).toEqual({ kind: 'new' });
    expect(parseCaseCommand('  NEW ')).toEqual({ kind: 'new' });
    expect(parseCaseCommand('status CASE-00001234')).toEqual({ kind: 'status', caseId: 'CASE-00001234' });
    expect(parseCaseCommand('list')).toEqual({ kind: 'list' });
    expect(parseCaseCommand('link 5001')).toEqual({ kind: 'link', caseId: '5001' });
    expect(parseCaseCommand('help')).toEqual({ kind: 'help' });
  });

  it('answers anything else with help', () => {
    for (const text of ['status', 'status a b', 'link <script>', 'new thing', 'delete 1', 'list all']) {
      expect(parseCaseCommand(text), text).toEqual({ kind: 'help', unknown: text });
    }
  });
});
