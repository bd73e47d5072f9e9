// Conversion (转换, issue 8 item 2): versioned conversion rules from catalogue entries to a target course, learners'
// applications under a rule's version, and the outcomes each pending or approved application uses (never two).
import type { MigrationInterface, QueryRunner } from 'typeorm'

export class Conversion1797100000000 implements MigrationInterface {
  name = 'Conversion1797100000000'

  async up(q: QueryRunner): Promise<void> {
    // A rule and the version in force; its versions are never changed, only added (an application names its version).
    await q.query(`CREATE TABLE cb_conversion_rule (
      id varchar(64) PRIMARY KEY,
      target_institution_id varchar(64) NOT NULL REFERENCES cb_institution (id),
      target_entry_id varchar(64) NOT NULL REFERENCES cb_catalogue_entry (id),
      current_version integer NOT NULL,
      active smallint NOT NULL,
      created_by varchar(200) NOT NULL,
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL)`)
    await q.query('CREATE INDEX cb_conversion_rule_target ON cb_conversion_rule (target_institution_id, id)')
    // definition: the version's JSON (sources with their catalogue snapshot, requirement, target, conditions, active).
    await q.query(`CREATE TABLE cb_conversion_rule_version (
      rule_id varchar(64) NOT NULL REFERENCES cb_conversion_rule (id),
      version integer NOT NULL,
      definition text NOT NULL,
      created_by varchar(200) NOT NULL,
      created_at varchar(32) NOT NULL,
      PRIMARY KEY (rule_id, version))`)
    // Bumped in the transaction of every rule change: each instance rebuilds its in-memory index of rules by source
    // catalogue entry when the generation it holds is no longer the database's.
    await q.query('CREATE TABLE cb_conversion_generation (id integer PRIMARY KEY, generation integer NOT NULL)')
    await q.query('INSERT INTO cb_conversion_generation (id, generation) VALUES (1, 0)')
    // An application: the learner (id_hash, the account that applied, the hashed IdentityObject the credential names),
    // the rule's version it is judged by, the outcomes it uses (a JSON snapshot: id, catalogue entry, credential, result,
    // date, name) and the decision. credits_centi: hundredths.
    await q.query(`CREATE TABLE cb_conversion_application (
      id varchar(64) PRIMARY KEY,
      rule_id varchar(64) NOT NULL REFERENCES cb_conversion_rule (id),
      rule_version integer NOT NULL,
      learner_user_id varchar(64) NOT NULL,
      id_hash varchar(64) NOT NULL,
      identity_object text NOT NULL,
      target_institution_id varchar(64) NOT NULL,
      target_entry_id varchar(64) NOT NULL,
      programme_code varchar(64),
      credits_centi integer NOT NULL,
      outcomes text NOT NULL,
      state varchar(16) NOT NULL,
      reason_zh text,
      reason_en text,
      decided_by varchar(200),
      decided_at varchar(32),
      credential_id varchar(512),
      created_at varchar(32) NOT NULL,
      updated_at varchar(32) NOT NULL)`)
    await q.query('CREATE INDEX cb_conversion_application_learner ON cb_conversion_application (id_hash, created_at, id)')
    await q.query(
      'CREATE INDEX cb_conversion_application_target ON cb_conversion_application (target_institution_id, state, created_at, id)',
    )
    // No outcome converted twice: one row per outcome of a pending or approved application (a rejection deletes its rows),
    // inserted in the application's transaction — of two applications at the same moment, the second meets the key.
    await q.query(`CREATE TABLE cb_conversion_use (
      outcome_id varchar(64) PRIMARY KEY,
      application_id varchar(64) NOT NULL REFERENCES cb_conversion_application (id))`)
    await q.query('CREATE INDEX cb_conversion_use_application ON cb_conversion_use (application_id)')
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cb_conversion_use')
    await q.query('DROP TABLE cb_conversion_application')
    await q.query('DROP TABLE cb_conversion_generation')
    await q.query('DROP TABLE cb_conversion_rule_version')
    await q.query('DROP TABLE cb_conversion_rule')
  }
}
