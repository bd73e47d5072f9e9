// The alliance (member institutions and their accreditation scopes over time), the learning-outcomes framework (levels
// as reference data, every edit kept as a version) and the public catalogue (Achievements) with its search tokens.
import type { MigrationInterface, QueryRunner } from 'typeorm'

/**
 * The 7 levels as first seeded (DOMAIN.md: Guangdong-style framework described by knowledge, skills and competence; the
 * Jiangsu standard runs from level 2, junior, to level 6, master's degree). Reference data: experts edit it afterwards
 * through PUT /framework-levels/{level}; nothing in code depends on these words.
 */
export const SEED_FRAMEWORK_LEVELS: readonly {
  level: number
  nameZh: string
  nameEn: string
  descriptorZh: string
  descriptorEn: string
}[] = [
  {
    level: 1,
    nameZh: '一级（入门）',
    nameEn: 'Level 1 (entry)',
    descriptorZh: '知识：基础常识；技能：在指导下完成简单、重复的任务；能力：在直接监督下工作和学习。',
    descriptorEn:
      'Knowledge: basic general knowledge; skills: simple, routine tasks under guidance; competence: work or study under direct supervision.',
  },
  {
    level: 2,
    nameZh: '二级（初级）',
    nameEn: 'Level 2 (junior)',
    descriptorZh: '知识：某一领域的基础事实性知识；技能：运用相关信息完成常规任务；能力：在监督下有一定自主性。',
    descriptorEn:
      'Knowledge: basic factual knowledge of a field; skills: use relevant information to carry out routine tasks; competence: some autonomy under supervision.',
  },
  {
    level: 3,
    nameZh: '三级（中级）',
    nameEn: 'Level 3 (intermediate)',
    descriptorZh: '知识：某一领域的事实、原理和一般概念；技能：选择并运用基本方法、工具解决问题；能力：对完成任务负责。',
    descriptorEn:
      'Knowledge: facts, principles and general concepts of a field; skills: select and apply basic methods and tools to solve problems; competence: responsibility for completing tasks.',
  },
  {
    level: 4,
    nameZh: '四级（高级 / 专科）',
    nameEn: 'Level 4 (advanced / associate degree)',
    descriptorZh: '知识：某一领域广泛的事实和理论知识；技能：为具体问题找出解决办法；能力：在可预见的情境中自我管理并指导他人。',
    descriptorEn:
      'Knowledge: broad factual and theoretical knowledge of a field; skills: generate solutions to specific problems; competence: self-management and supervising others in predictable contexts.',
  },
  {
    level: 5,
    nameZh: '五级（本科）',
    nameEn: "Level 5 (bachelor's degree)",
    descriptorZh: '知识：对某一领域理论和原理的批判性理解；技能：解决复杂、不可预见问题的高级技能；能力：管理复杂的技术或专业活动。',
    descriptorEn:
      "Knowledge: critical understanding of a field's theories and principles; skills: advanced skills to solve complex, unpredictable problems; competence: manage complex technical or professional activities.",
  },
  {
    level: 6,
    nameZh: '六级（硕士）',
    nameEn: "Level 6 (master's degree)",
    descriptorZh:
      '知识：处于领域前沿的高度专门化知识；技能：研究与创新所需的专门问题解决技能；能力：管理和改变复杂、不可预见的工作或学习情境。',
    descriptorEn:
      'Knowledge: highly specialised knowledge at the forefront of a field; skills: specialised problem-solving for research and innovation; competence: manage and transform complex, unpredictable contexts.',
  },
  {
    level: 7,
    nameZh: '七级（博士）',
    nameEn: 'Level 7 (doctorate)',
    descriptorZh:
      '知识：领域最前沿及交叉领域的知识；技能：最先进、最专门的研究与创新技能；能力：在工作或学习的前沿提出新思想和新方法，具有权威性和持续的投入。',
    descriptorEn:
      'Knowledge: knowledge at the most advanced frontier of a field and between fields; skills: the most advanced and specialised research and innovation skills; competence: authority and sustained commitment to new ideas and processes at the forefront.',
  },
]

const SEEDED_AT = '2026-01-01T00:00:00.000Z'

export class AllianceAndCatalogue1796200000000 implements MigrationInterface {
  name = 'AllianceAndCatalogue1796200000000'

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE cb_institution (
      id varchar(64) PRIMARY KEY,
      type varchar(32) NOT NULL,
      name_zh varchar(200) NOT NULL,
      name_en varchar(200) NOT NULL,
      region varchar(64) NOT NULL,
      did varchar(512),
      contact text NOT NULL,
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL)`)
    await q.query(`CREATE TABLE cb_accreditation_scope (
      id varchar(64) PRIMARY KEY,
      institution_id varchar(64) NOT NULL REFERENCES cb_institution (id),
      categories text NOT NULL,
      levels text NOT NULL,
      fields text NOT NULL,
      valid_from varchar(32) NOT NULL,
      valid_until varchar(32),
      created_at varchar(32) NOT NULL)`)
    await q.query('CREATE INDEX cb_accreditation_scope_institution ON cb_accreditation_scope (institution_id, valid_from)')
    await q.query(`CREATE TABLE cb_framework_level (
      level integer PRIMARY KEY,
      version integer NOT NULL,
      name_zh varchar(200) NOT NULL,
      name_en varchar(200) NOT NULL,
      descriptor_zh text NOT NULL,
      descriptor_en text NOT NULL,
      updated_at varchar(32) NOT NULL,
      updated_by varchar(64))`)
    await q.query(`CREATE TABLE cb_framework_level_version (
      level integer NOT NULL,
      version integer NOT NULL,
      name_zh varchar(200) NOT NULL,
      name_en varchar(200) NOT NULL,
      descriptor_zh text NOT NULL,
      descriptor_en text NOT NULL,
      updated_at varchar(32) NOT NULL,
      updated_by varchar(64),
      PRIMARY KEY (level, version))`)
    for (const l of SEED_FRAMEWORK_LEVELS) {
      const values = [l.level, 1, l.nameZh, l.nameEn, l.descriptorZh, l.descriptorEn, SEEDED_AT]
      for (const table of ['cb_framework_level', 'cb_framework_level_version'])
        await q.query(
          `INSERT INTO ${table} (level, version, name_zh, name_en, descriptor_zh, descriptor_en, updated_at) VALUES (${placeholders(q, 7)})`,
          values,
        )
    }
    await q.query(`CREATE TABLE cb_catalogue_entry (
      id varchar(64) PRIMARY KEY,
      institution_id varchar(64) NOT NULL REFERENCES cb_institution (id),
      code varchar(64) NOT NULL,
      achievement_type varchar(32) NOT NULL,
      credits_centi integer NOT NULL,
      level integer NOT NULL,
      category varchar(16) NOT NULL,
      field varchar(100) NOT NULL,
      name_zh varchar(200) NOT NULL,
      name_en varchar(200) NOT NULL,
      description_zh text NOT NULL,
      description_en text NOT NULL,
      status varchar(8) NOT NULL,
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL)`)
    await q.query('CREATE UNIQUE INDEX cb_catalogue_entry_code ON cb_catalogue_entry (institution_id, code)')
    await q.query('CREATE INDEX cb_catalogue_entry_order ON cb_catalogue_entry (code, id)')
    // Search tokens of an entry's names: CJK characters and bigrams, and prefixes of lowercased Latin words.
    await q.query(`CREATE TABLE cb_catalogue_token (
      token varchar(80) NOT NULL,
      entry_id varchar(64) NOT NULL REFERENCES cb_catalogue_entry (id),
      PRIMARY KEY (token, entry_id))`)
    await q.query('CREATE INDEX cb_catalogue_token_entry ON cb_catalogue_token (entry_id)')
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'cb_catalogue_token',
      'cb_catalogue_entry',
      'cb_framework_level_version',
      'cb_framework_level',
      'cb_accreditation_scope',
      'cb_institution',
    ])
      await q.query(`DROP TABLE ${t}`)
  }
}

const placeholders = (q: QueryRunner, n: number): string =>
  Array.from({ length: n }, (_, i) => (q.connection.options.type === 'postgres' ? `$${i + 1}` : '?')).join(', ')
