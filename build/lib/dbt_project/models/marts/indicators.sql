{#- The headline indicators in long form (exports/<C>/indicators.csv), one row per cut-off,
    project (and ALL), indicator and gender. Counts: numerator = value, no denominator.
    Rates: value = numerator / denominator, empty when the denominator is 0 or unknown.
    Durations: no numerator, denominator = leavers the median/mean is taken over.
    target_achievement and reach_rate_12m exist for gender total only. numerator_ckey /
    denominator_ckey: the cell keys of numerator and denominator where they count persons
    (docs/indicators.md "Publication"; not exported): null for the registry plan and the
    target population, which are not counts of participants. -#}
{%- set counts = ['participants_cumulative', 'participants_active', 'entries_month', 'leavers_month'] -%}
{%- set rates = [
    ('target_achievement', 'participants_cumulative', 'planned_participants'),
    ('reach_rate_12m', 'reach_numerator', 'reach_denominator'),
    ('integration_rate_12m', 'integrated_leavers_12m', 'leavers_12m'),
    ('integration_rate_cumulative', 'integrated_leavers_cumulative', 'leavers_cumulative'),
    ('integration_rate_6m', 'integrated_leavers_6m', 'leavers_6m'),
    ('followup_coverage', 'followup_leavers_6m', 'leavers_6m'),
    ('status_unknown_share', 'status_unknown_leavers_12m', 'leavers_12m'),
] -%}
{%- set durations = [
    ('duration_median_days', 'duration_median_days'),
    ('duration_mean_days', 'duration_mean_days'),
] -%}
{%- set total_only = ['target_achievement', 'reach_rate_12m'] -%}
with

wide as (

    select * from {{ ref('int_headline_indicators_wide') }}

),

long as (

    {%- for name in counts %}
        select
            cutoff,
            project_id,
            '{{ name }}' as indicator,
            gender,
            cast({{ name }} as double) as numerator,
            cast(null as double) as denominator,
            cast({{ name }} as double) as value,
            {{ name }}_ckey as numerator_ckey,
            cast(null as integer) as denominator_ckey
        from wide
        union all
    {%- endfor %}
    {%- for name, numerator, denominator in rates %}
        select
            cutoff,
            project_id,
            '{{ name }}' as indicator,
            gender,
            cast({{ numerator }} as double) as numerator,
            cast({{ denominator }} as double) as denominator,
            case when {{ denominator }} <> 0 then cast({{ numerator }} as double) / {{ denominator }} end as value,
            {{ numerator }}_ckey as numerator_ckey,
            {{ denominator ~ '_ckey' if denominator not in ('planned_participants', 'reach_denominator')
               else 'cast(null as integer)' }}
                as denominator_ckey
        from wide
        {%- if name in total_only %}
            where gender = 'total'
        {%- endif %}
        union all
    {%- endfor %}
    {%- for name, column in durations %}
        select
            cutoff,
            project_id,
            '{{ name }}' as indicator,
            gender,
            cast(null as double) as numerator,
            cast(leavers_12m as double) as denominator,
            cast({{ column }} as double) as value,
            cast(null as integer) as numerator_ckey,
            leavers_12m_ckey as denominator_ckey
        from wide
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}

)

select
    cutoff,
    project_id,
    indicator,
    gender,
    numerator,
    denominator,
    cast(value as double) as value,
    numerator_ckey,
    denominator_ckey
from long
