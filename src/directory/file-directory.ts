import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config/errors.js';
import type { PasswordHasher } from '../credentials/hashing.js';
import type { DirectoryAnswer, DirectoryPerson, PasswordDirectory } from './directory.js';

interface FileStudent {
  user_id: string;
  password_hash: string;
  name: { family: string; given: string };
  name_kana?: { family: string; given: string };
  name_latin?: { family: string; given: string };
  student_number: string;
  university: string;
  faculty: string;
  department: string;
  status: 'enrolled' | 'graduated' | 'withdrawn' | 'expelled';
  graduated_on?: string;
}

const name = {
  type: 'object',
  properties: { family: { type: 'string', minLength: 1 }, given: { type: 'string', minLength: 1 } },
  required: ['family', 'given'],
  additionalProperties: false,
} as const;

const fileSchema = {
  type: 'object',
  properties: {
    students: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          user_id: { type: 'string', minLength: 1, maxLength: 64 },
          password_hash: { type: 'string', pattern: '^\\$argon2(id|i|d)\\$' },
          name, name_kana: name, name_latin: name,
          student_number: { type: 'string', minLength: 1 },
          university: { type: 'string', minLength: 1 },
          faculty: { type: 'string', minLength: 1 },
          department: { type: 'string', minLength: 1 },
          status: { enum: ['enrolled', 'graduated', 'withdrawn', 'expelled'] },
          graduated_on: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' },
        },
        required: ['user_id', 'password_hash', 'name', 'student_number', 'university', 'faculty', 'department', 'status'],
        additionalProperties: false,
      },
    },
  },
  required: ['students'],
  additionalProperties: false,
} as const;

/** The `file` directory: students with argon2 password hashes in a YAML file (development, demos). */
export class FileDirectory implements PasswordDirectory {
  readonly kind = 'password' as const;
  private readonly students: Map<string, FileStudent>;

  constructor(filePath: string, private readonly hasher: PasswordHasher) {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(filePath, 'utf8'));
    } catch (error) {
      throw new ConfigError(`directory.file.path: cannot read ${filePath}: ${(error as Error).message.split('\n')[0]}`);
    }
    const validate = new Ajv({ allErrors: true }).compile(fileSchema);
    if (!validate(raw)) {
      const first = validate.errors?.[0];
      throw new ConfigError(`directory.file.path: ${filePath}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`);
    }
    this.students = new Map((raw as unknown as { students: FileStudent[] }).students.map((s) => [s.user_id, s]));
  }

  async verify(userId: string, password: string): Promise<DirectoryAnswer> {
    const student = this.students.get(userId);
    const matches = await this.hasher.verify(student?.password_hash, password);
    if (!student || !matches || student.status !== 'enrolled') return { outcome: 'invalid' };
    return { outcome: 'ok', person: toPerson(student) };
  }
}

function toPerson(student: FileStudent): DirectoryPerson {
  return {
    userId: student.user_id,
    name: student.name,
    nameKana: student.name_kana,
    nameLatin: student.name_latin,
    enrollments: [{
      student_number: student.student_number,
      university: student.university,
      faculty: student.faculty,
      department: student.department,
      status: student.status,
      graduated_on: student.graduated_on ?? null,
    }],
  };
}
