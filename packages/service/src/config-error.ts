/** One bad setting: the variable's name and what is wrong with it, in words that follow the name. */
export interface ConfigIssue {
  variable: string;
  /** Reads after the name: `SFU_PORT must be a port number from 0 to 65535, got "abc"`. */
  problem: string;
}

/**
 * The one configuration error of every service: a missing or bad setting stops start-up with
 * a message that names each variable at fault. Thrown by `EnvReader.throwIfAny()` and by the
 * services' own config modules; each `main` turns it into exit code 78 (EX_CONFIG) or similar.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue | readonly ConfigIssue[]) {
    const list: readonly ConfigIssue[] = Array.isArray(issues) ? issues : [issues as ConfigIssue];
    super(
      list.length === 1
        ? issueLine(list[0] as ConfigIssue)
        : `invalid configuration:\n  ${list.map(issueLine).join('\n  ')}`,
    );
    this.issues = list;
  }

  /** The variables at fault, in the order they were found. */
  get variables(): string[] {
    return this.issues.map((issue) => issue.variable);
  }
}

export function issueLine(issue: ConfigIssue): string {
  return `${issue.variable} ${issue.problem}`;
}

/** Collects issues so that one start-up reports every bad variable at once, not the first only. */
export class ConfigIssues {
  private readonly recorded: ConfigIssue[] = [];

  get issues(): readonly ConfigIssue[] {
    return this.recorded;
  }

  /** The variables at fault so far. */
  get variables(): string[] {
    return this.recorded.map((issue) => issue.variable);
  }

  add(variable: string, problem: string): void {
    this.recorded.push({ variable, problem });
  }

  /** Records `problem` for `variable` unless `ok`. */
  check(ok: boolean, variable: string, problem: string): void {
    if (!ok) this.add(variable, problem);
  }

  /** Takes over the issues of a ConfigError thrown by a part read on its own. */
  merge(error: ConfigError): void {
    this.recorded.push(...error.issues);
  }

  /** Throws one ConfigError naming every variable at fault; nothing when all were good. */
  throwIfAny(): void {
    if (this.recorded.length > 0) throw new ConfigError([...this.recorded]);
  }
}
